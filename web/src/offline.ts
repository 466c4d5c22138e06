/**
 * Offline use and cross-origin isolation through the service worker (public/sw.js). On a host
 * that does not send COOP/COEP, the first visit runs with one thread; once the worker controls
 * the page, one reload makes it isolated (the worker adds the headers), so threads turn on.
 */
const RELOADED = 'faceparse-isolation-reload';

export function registerOfflineSupport(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  const reloadForIsolation = () => {
    if (crossOriginIsolated || sessionStorage.getItem(RELOADED)) return;
    sessionStorage.setItem(RELOADED, '1');
    location.reload();
  };
  navigator.serviceWorker
    .register(new URL('sw.js', document.baseURI).href, { scope: './' })
    .then(() => {
      if (navigator.serviceWorker.controller) reloadForIsolation();
      else navigator.serviceWorker.addEventListener('controllerchange', reloadForIsolation, { once: true });
    })
    .catch(() => undefined); // no service worker (e.g. a file:// page): the app still works online
}
