// The Content-Security-Policy every page and worker of the app is served with. A <meta> tag does
// not reach module workers, so the preview server sends it as an HTTP header (vite.config.ts),
// and a static host should do the same (README). 'wasm-unsafe-eval' lets the decoder compile;
// connect-src 'self' lets the worker read its own .wasm; nothing can reach another origin.
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");
