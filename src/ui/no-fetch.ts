// Imported first by the dashboard's entry, before Ink. Ink's layout engine
// (yoga's Emscripten loader) reaches for the global `fetch` to decode its
// embedded wasm whenever one exists, and touching Node's `fetch` loads all of
// undici: ~40 ms of the time to the first frame, for a data: URL it could
// decode itself. The dashboard makes no network requests, so it hides fetch
// and yoga takes its synchronous path.
Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
