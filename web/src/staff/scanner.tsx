import { useEffect, useRef, useState } from 'preact/hooks';

interface Detector {
  detect(source: CanvasImageSource): Promise<{ rawValue: string }[]>;
}
type DetectorCtor = new (o: { formats: string[] }) => Detector;

/**
 * The device camera as a QR reader: the browser's BarcodeDetector where there is one,
 * else jsQR (bundled, loaded only when the camera opens, so the first load stays small).
 */
export function CameraScanner({
  label,
  onCode,
  onError,
}: {
  label: string;
  onCode: (text: string) => void;
  onError: (e: Error) => void;
}) {
  const video = useRef<HTMLVideoElement>(null);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    let stream: MediaStream | null = null;
    let stop = false;
    let last = { text: '', at: 0 };
    const run = async () => {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: 'environment' },
        audio: false,
      });
      const v = video.current!;
      v.srcObject = stream;
      await v.play();
      setReady(true);
      const Native = (globalThis as { BarcodeDetector?: DetectorCtor }).BarcodeDetector;
      const native = Native ? new Native({ formats: ['qr_code'] }) : null;
      const jsQR = native ? null : (await import('jsqr')).default;
      const canvas = document.createElement('canvas');
      const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
      const frame = async () => {
        if (stop) return;
        let text: string | undefined;
        if (v.readyState >= 2) {
          if (native) text = (await native.detect(v).catch(() => []))[0]?.rawValue;
          else if (jsQR) {
            const w = (canvas.width = Math.min(640, v.videoWidth));
            const h = (canvas.height = Math.round((v.videoHeight * w) / v.videoWidth));
            ctx.drawImage(v, 0, 0, w, h);
            text = jsQR(ctx.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: 'dontInvert' })?.data;
          }
        }
        // The same code held in front of the camera is one scan, not thirty.
        if (text && (text !== last.text || Date.now() - last.at > 3000)) {
          last = { text, at: Date.now() };
          onCode(text);
        }
        setTimeout(() => requestAnimationFrame(() => void frame()), 120);
      };
      void frame();
    };
    run().catch((e: Error) => onError(e));
    return () => {
      stop = true;
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, []);
  return (
    <div class="camera">
      <video ref={video} muted playsInline aria-label={label} />
      {!ready && <p class="muted">…</p>}
    </div>
  );
}
