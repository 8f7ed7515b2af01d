import { fmt } from '../lib/i18n.js';
import { Notice } from '../lib/ui.js';
import { useFetch } from '../lib/use-fetch.js';
import { ComboComponentsPanel } from './combo-components.js';
import { useT } from './i18n.js';
import { JointProductsPanel } from './joint-products.js';
import { PassTermsPanel } from './pass-terms.js';
import type { AdminProduct } from './products.js';

/**
 * Products beyond "one day, one slot" (issue 18): the terms of annual passes, the
 * components of combos, joint tickets across areas. Each panel writes through its admin
 * API; the server checks the caller's grant and every field.
 */
export function Catalog({ areaId }: { areaId: string }) {
  const t = useT();
  const list = useFetch<{ items: AdminProduct[] }>(`/v1/admin/areas/${areaId}/products`);
  const products = list.data?.items ?? [];
  return (
    <section>
      <h2>{t.catalog}</h2>
      {list.error && <Notice kind="error">{fmt(t.error, { msg: list.error.message })}</Notice>}
      {list.data && (
        <>
          <PassTermsPanel areaId={areaId} products={products} />
          <ComboComponentsPanel areaId={areaId} products={products} />
        </>
      )}
      <JointProductsPanel areaId={areaId} />
    </section>
  );
}
