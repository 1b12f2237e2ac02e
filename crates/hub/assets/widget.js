// Rampart visitor chat. Dependency-free; renders every message with textContent (never HTML);
// survives reloads (the conversation resumes from the hub); resends unacknowledged messages with
// their original ids after a reconnect (the hub deduplicates them).
(function () {
  'use strict';

  var STRINGS = {
    en: {
      title: 'Chat with us',
      noticeTitle: 'Before you start',
      accept: 'I understand, start the chat',
      inputLabel: 'Your message',
      send: 'Send',
      connecting: 'Connecting…',
      waiting: 'Waiting for an agent…',
      joined: '{name} joined the chat',
      typing: '{name} is typing…',
      closed: 'The chat has ended.',
      offline: 'Connection lost. Reconnecting…',
      you: 'You',
      agent: 'Agent',
      failed: 'Something went wrong: {message}',
    },
    es: {
      title: 'Chatea con nosotros',
      noticeTitle: 'Antes de empezar',
      accept: 'Entendido, empezar el chat',
      inputLabel: 'Tu mensaje',
      send: 'Enviar',
      connecting: 'Conectando…',
      waiting: 'Esperando a un agente…',
      joined: '{name} se ha unido al chat',
      typing: '{name} está escribiendo…',
      closed: 'El chat ha terminado.',
      offline: 'Conexión perdida. Reconectando…',
      you: 'Tú',
      agent: 'Agente',
      failed: 'Algo salió mal: {message}',
    },
  };
  var STORE_KEY = 'rampart.visitor';
  var locale = /^es\b/i.test(navigator.language || '') ? 'es' : 'en';
  var t = function (key, params) {
    var text = STRINGS[locale][key] || key;
    Object.keys(params || {}).forEach(function (name) {
      text = text.split('{' + name + '}').join(String(params[name]));
    });
    return text;
  };

  var $ = function (id) {
    return document.getElementById(id);
  };
  var log = $('rw-log');
  var input = $('rw-input');
  var statusLine = $('rw-status');
  var session = null;
  var socket = null;
  var backoff = 500;
  var rendered = {}; // seq -> true
  var pending = {}; // message id -> { frame, element }
  var closed = false;

  document.documentElement.lang = locale;
  Array.prototype.forEach.call(document.querySelectorAll('[data-i18n]'), function (el) {
    el.textContent = t(el.getAttribute('data-i18n'));
  });

  function setStatus(text) {
    statusLine.textContent = text;
  }

  function load() {
    try {
      return JSON.parse(sessionStorage.getItem(STORE_KEY) || 'null');
    } catch (e) {
      return null;
    }
  }

  function save() {
    sessionStorage.setItem(STORE_KEY, JSON.stringify(session));
  }

  function line(kind, who, text) {
    var item = document.createElement('li');
    item.className = 'rw-msg ' + kind;
    if (who) {
      var name = document.createElement('span');
      name.className = 'rw-who';
      name.textContent = who;
      item.appendChild(name);
    }
    var body = document.createElement('span');
    body.className = 'rw-text';
    body.textContent = text;
    item.appendChild(body);
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function showChat() {
    $('rw-notice').hidden = true;
    log.hidden = false;
    $('rw-composer').hidden = false;
    input.focus();
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function onFrame(frame) {
    switch (frame.type) {
      case 'welcome':
        backoff = 500;
        setStatus(t('waiting'));
        Object.keys(pending).forEach(function (id) {
          send(pending[id].frame);
        });
        break;
      case 'message':
        if (rendered[frame.seq]) break;
        rendered[frame.seq] = true;
        if (pending[frame.id]) {
          // Our own message, now stored: show the hub's (masked) version in place.
          pending[frame.id].element.remove();
          delete pending[frame.id];
        }
        if (frame.author.kind === 'visitor') line('visitor', t('you'), frame.text);
        else if (frame.author.kind === 'agent') line('agent', frame.author.displayName || t('agent'), frame.text);
        else line('system', null, frame.text);
        session.lastSeq = Math.max(session.lastSeq || 0, frame.seq);
        save();
        break;
      case 'ack':
        if (pending[frame.id]) pending[frame.id].element.classList.remove('pending');
        break;
      case 'agentJoined':
        line('system', null, t('joined', { name: frame.displayName }));
        setStatus('');
        break;
      case 'typing':
        setStatus(frame.active && frame.author.kind === 'agent' ? t('typing', { name: frame.author.displayName }) : '');
        break;
      case 'closed':
        closed = true;
        line('system', null, t('closed'));
        $('rw-composer').hidden = true;
        sessionStorage.removeItem(STORE_KEY);
        if (socket) socket.close();
        break;
      case 'error':
        setStatus(t('failed', { message: frame.message }));
        break;
      default:
        break;
    }
  }

  function connect() {
    if (closed) return;
    setStatus(t('connecting'));
    var scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(scheme + '//' + location.host + '/ws/visitor', ['rampart.v1', 'bearer.' + session.token]);
    socket.onopen = function () {
      // Replay the whole conversation: after a reload nothing is on screen yet.
      send({ type: 'hello', protocolVersion: 1, resume: [{ conversationId: session.conversationId, afterSeq: 0 }] });
    };
    socket.onmessage = function (event) {
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      onFrame(frame);
    };
    socket.onclose = function () {
      if (closed) return;
      setStatus(t('offline'));
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 10000);
    };
  }

  function start() {
    showChat();
    connect();
  }

  $('rw-accept').addEventListener('click', function () {
    var button = $('rw-accept');
    button.disabled = true;
    fetch('/api/v1/visitor', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ locale: navigator.language || locale, privacyNotice: button.getAttribute('data-version') }),
    })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.message || 'error');
          return body;
        });
      })
      .then(function (body) {
        session = { token: body.token, conversationId: body.conversationId, lastSeq: 0 };
        save();
        start();
      })
      .catch(function (error) {
        button.disabled = false;
        setStatus(t('failed', { message: error.message }));
      });
  });

  $('rw-composer').addEventListener('submit', function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) return;
    var id = crypto.randomUUID();
    var frame = { type: 'send', id: id, conversationId: session.conversationId, text: text };
    pending[id] = { frame: frame, element: line('visitor pending', t('you'), text) };
    input.value = '';
    send(frame);
  });

  input.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      $('rw-composer').requestSubmit();
    }
  });

  var typingTimer = null;
  input.addEventListener('input', function () {
    if (!session) return;
    if (!typingTimer) send({ type: 'typing', conversationId: session.conversationId, active: true });
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () {
      typingTimer = null;
      send({ type: 'typing', conversationId: session.conversationId, active: false });
    }, 2000);
  });

  session = load();
  if (session && session.token) {
    start();
  } else {
    fetch('/api/v1/privacy')
      .then(function (response) {
        return response.json();
      })
      .then(function (notice) {
        $('rw-notice-text').textContent = notice[locale] || notice.en;
        $('rw-accept').setAttribute('data-version', notice.version);
      })
      .catch(function () {
        setStatus(t('failed', { message: 'privacy notice unavailable' }));
      });
  }
})();
