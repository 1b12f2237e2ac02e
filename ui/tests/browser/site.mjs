// A customer's website for the embed tests: a page with the one tag under a strict CSP of its
// own, served from another loopback origin than the hub's.
import { createServer } from 'node:http';

/**
 * A customer's website on `address`, reached as `hostname`: `/` has the tag, `/acme` the tag for
 * the hub's `acme` organisation, `/plain` frames the plain `/chat`. It knows the hub's address only once the hub runs (`site.hub = base`), and the
 * hub must list the site's origin before it starts.
 */
export async function startSite(address, hostname = address) {
  const site = { hub: null };
  const server = createServer((request, response) => {
    const csp = [
      "default-src 'none'",
      `script-src ${site.hub}`,
      `frame-src ${site.hub}`,
      "base-uri 'none'",
      "form-action 'none'",
      "require-trusted-types-for 'script'",
    ].join('; ');
    const head = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>';
    const pages = {
      '/': `${head}</head><body><h1>Shop</h1><p><a href="#offers">Offers</a></p>
<script src="${site.hub}/embed.js" async data-locale="es"></script></body></html>`,
      '/acme': `${head}</head><body><h1>Acme</h1>
<script src="${site.hub}/embed.js" async data-locale="en" data-org="acme"></script></body></html>`,
      '/plain': `${head}</head><body><iframe title="plain chat" src="${site.hub}/chat"></iframe></body></html>`,
    };
    const page = pages[request.url];
    response.writeHead(page ? 200 : 404, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': csp,
    });
    response.end(page ?? 'not found');
  });
  await new Promise((resolve) => server.listen(0, address, resolve));
  site.origin = `http://${hostname}:${server.address().port}`;
  site.stop = () => new Promise((resolve) => server.close(resolve));
  return site;
}
