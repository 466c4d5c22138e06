// The app's service worker: the app works offline once loaded, and it is cross-origin isolated
// (WebAssembly threads) even on static hosts that cannot send COOP/COEP headers: every
// same-origin response it serves carries them. Pages: network first, cache when offline.
// Everything else (the app's hashed assets, faceparse/, the embedded model): cache first.
const CACHE = 'faceparse-app-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

function isolated(response) {
  if (response.status === 0 || response.type === 'opaque') return response;
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

async function fromNetwork(request, cache) {
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function handle(request) {
  const cache = await caches.open(CACHE);
  if (request.mode === 'navigate') {
    try {
      return isolated(await fromNetwork(request, cache));
    } catch (error) {
      const cached = (await cache.match(request, { ignoreSearch: true })) ?? (await cache.match(new URL('./', self.registration.scope).href));
      if (cached) return isolated(cached);
      throw error;
    }
  }
  const cached = await cache.match(request);
  return isolated(cached ?? (await fromNetwork(request, cache)));
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(handle(request));
});
