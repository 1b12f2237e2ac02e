// Rampart chat loader. A website includes it with one tag:
//   <script src="https://hub.example/embed.js" async></script>
// (optional: data-locale="es"; data-org="acme" for an organisation other than the hub's default)
// It adds a launcher button and opens the hub's /chat?embed=1 in an iframe, so the visitor's
// token, messages and secure forms stay on the hub's origin, out of reach of the page's scripts.
// It writes no HTML, runs no strings, reads and writes none of the page's cookies or storage,
// and styles only through CSSOM (allowed under a page's strict style-src). The frame can tell it
// one thing only: 'rampart:close'. It tells the frame nothing.
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.src || !document.documentElement.attachShadow) return;
  var hub = new URL(script.src, location.href).origin;
  var lang = (script.getAttribute('data-locale') || navigator.language || '').slice(0, 2).toLowerCase();
  var locale = lang === 'es' ? 'es' : 'en';
  var org = script.getAttribute('data-org');
  var label = locale === 'es' ? 'Chatea con nosotros' : 'Chat with us';
  var isOpen = false;
  var frame = null;

  function css(el, rules) {
    Object.keys(rules).forEach(function (name) {
      el.style.setProperty(name, rules[name], 'important');
    });
  }

  var host = document.createElement('div');
  host.setAttribute('data-rampart-chat', '');
  css(host, { position: 'fixed', right: '16px', bottom: '16px', 'z-index': '2147483647', margin: '0', padding: '0' });
  // The shadow root keeps the page's CSS off the launcher. It is no security boundary (the
  // iframe is), so it stays open for assistive and test tools.
  var root = host.attachShadow({ mode: 'open' });

  var button = document.createElement('button');
  button.type = 'button';
  button.textContent = label;
  button.setAttribute('aria-expanded', 'false');
  button.setAttribute('aria-controls', 'rampart-chat-frame');
  // White on #1d4ed8: 6.7:1. The focus ring is dark between two white rings, so it shows on
  // light and dark pages alike (3:1 against either).
  css(button, {
    display: 'block',
    margin: '0',
    padding: '12px 20px',
    'min-height': '44px',
    font: '600 15px/1.2 system-ui, -apple-system, "Segoe UI", sans-serif',
    color: '#ffffff',
    background: '#1d4ed8',
    border: '2px solid #ffffff',
    'border-radius': '999px',
    cursor: 'pointer',
    outline: 'none',
    'box-shadow': '0 2px 8px rgba(0, 0, 0, 0.35)',
  });
  function ring(on) {
    css(button, {
      outline: on ? '3px solid #111827' : 'none',
      'outline-offset': '2px',
      'box-shadow': on ? '0 0 0 7px #ffffff' : '0 2px 8px rgba(0, 0, 0, 0.35)',
    });
  }
  button.addEventListener('focus', function () {
    var keyboard = true;
    try {
      keyboard = button.matches(':focus-visible');
    } catch (e) {
      // an engine without :focus-visible: always show the ring
    }
    ring(keyboard);
  });
  button.addEventListener('blur', function () {
    ring(false);
  });
  root.appendChild(button);

  function show(on) {
    isOpen = on;
    button.setAttribute('aria-expanded', String(on));
    css(frame, { display: on ? 'block' : 'none' });
  }

  function open() {
    if (!frame) {
      frame = document.createElement('iframe');
      frame.id = 'rampart-chat-frame';
      frame.title = label;
      var query = '?embed=1&locale=' + locale;
      if (org) query += '&org=' + encodeURIComponent(org);
      frame.src = hub + '/chat' + query;
      frame.referrerPolicy = 'no-referrer';
      // No top navigation, popups or downloads from the frame; it keeps its own origin.
      frame.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-forms');
      css(frame, {
        position: 'fixed',
        right: '16px',
        bottom: '84px',
        width: 'min(400px, calc(100vw - 32px))',
        height: 'min(600px, calc(100vh - 116px))',
        margin: '0',
        border: '1px solid #6b7280',
        'border-radius': '12px',
        background: '#ffffff',
        'box-shadow': '0 8px 24px rgba(0, 0, 0, 0.25)',
      });
      frame.addEventListener('load', function () {
        if (isOpen) frame.focus();
      });
      root.appendChild(frame);
    }
    show(true);
    frame.focus();
  }

  function close() {
    show(false);
    button.focus();
  }

  button.addEventListener('click', function () {
    if (isOpen) close();
    else open();
  });
  root.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' && isOpen) close();
  });
  // Escape or "Close" inside the frame arrives as a message from the hub's origin.
  window.addEventListener('message', function (event) {
    if (frame && event.source === frame.contentWindow && event.origin === hub && event.data === 'rampart:close' && isOpen) {
      close();
    }
  });

  function mount() {
    if (document.querySelector('[data-rampart-chat]')) return; // included twice
    document.body.appendChild(host);
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
