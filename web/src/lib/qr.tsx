import { renderSVG } from 'uqr';

/**
 * A QR code as inline SVG (crisp at any size, no canvas). Medium error correction and
 * a 4-module quiet zone, which turnstile scanners need; drawn black on white whatever
 * the page theme.
 */
export function Qr({ text, label, size = 280 }: { text: string; label: string; size?: number }) {
  const svg = renderSVG(text, { ecc: 'M', border: 4, whiteColor: '#ffffff', blackColor: '#000000' });
  return (
    <div
      class="qr"
      role="img"
      aria-label={label}
      style={{ width: `${size}px`, maxWidth: '100%' }}
      dangerouslySetInnerHTML={{ __html: svg }}
    />
  );
}
