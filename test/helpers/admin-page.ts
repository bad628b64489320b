// The gateway's admin page as a browser would have it (happy-dom): its HTML, then its script from the gateway, run
// against the gateway; `key` is what an administrator typed earlier (kept in the tab's sessionStorage).
import { Window } from 'happy-dom';
import { waitUntil } from './process.js';

export async function openAdminPage(base: string, key?: string) {
  const window = new Window({ url: `${base}/admin/ui`, settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true, disableCSSFileLoading: true } });
  if (key !== undefined) window.sessionStorage.setItem('mcplex.adminKey', key);
  // Its script then loads and runs (not awaited: the page refreshes on a timer, so it never goes idle).
  window.document.write(await (await fetch(`${base}/admin/ui`)).text());
  const doc = window.document;
  const loaded = async (after = 0) => waitUntil(() => Number(doc.body.dataset.loaded ?? 0) > after || undefined, 5000, 'the page loaded its data');
  const cells = (table: string) => [...doc.querySelectorAll(`#${table} tbody tr`)].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent));
  const close = async () => {
    // Timers and fetches first, while the document is still there for the page's own error handling.
    await window.happyDOM.abort();
    await new Promise((r) => setImmediate(r));
    await window.happyDOM.close();
  };
  return { window, doc, loaded, cells, close };
}
