// Rampart visitor chat. Dependency-free; renders every message with textContent (never HTML);
// survives reloads (the conversation resumes from the hub); resends unacknowledged messages with
// their original ids after a reconnect (the hub deduplicates them).
//
// Secure forms: when an agent asks for sensitive data the hub sends `formRequested`; the widget
// shows a form (one per form id, however often the hub re-announces it), checks the values here
// as well as at the hub, sends them in one `submitForm` frame and clears them from the page.
// Form values never enter the transcript, `pending`, storage or any log output. A custom form
// (`{custom: id}`, defined in the hub's configuration) arrives with its definition: titles and
// labels in English and Spanish (set with textContent like everything else) and per field a
// check from a closed set, run here the way the hub runs it.
//
// Embedded (`/chat?embed=1` inside the hub's loader frame on a customer's page): the page fills
// the frame, shows a Close button, and Escape or Close asks the parent to close the panel. That
// content-free message is all it ever sends the parent; it listens to no messages at all, so
// the framing page cannot type, send or submit anything in the chat.
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
      close: 'Close',
      failed: 'Something went wrong: {message}',
      unknownOrg: 'This chat is not available. Please check the link or contact the website.',
      formBadge: 'Secure form',
      formNote: 'What you type here goes only to your agent and never into the chat transcript.',
      formTitle_card: 'Card details',
      formTitle_ssn: 'Social Security number',
      formTitle_nationalId: 'Identity document',
      formTitle_dateOfBirth: 'Date of birth',
      field_cardNumber: 'Card number',
      field_expiry: 'Expiry date',
      hint_expiry: 'MM/YY',
      field_cvv: 'Security code (CVV)',
      hint_cvv: '3 or 4 digits on the back',
      field_ssn: 'Social Security number',
      hint_ssn: '###-##-####',
      field_nationalId: 'DNI or NIE',
      hint_nationalId: 'For example 12345678Z or X1234567L',
      field_dateOfBirth: 'Date of birth',
      hint_dateOfBirth: 'YYYY-MM-DD',
      errRequired: 'Fill in this field.',
      errCard: 'This is not a valid card number.',
      errExpiry: 'Enter the expiry date as MM/YY.',
      errExpired: 'This card has expired.',
      errCvv: 'Enter the 3 or 4 digit code.',
      errSsn: 'This is not a valid Social Security number (###-##-####).',
      errNationalId: 'This is not a valid DNI or NIE: check the number and the letter.',
      errDate: 'Enter a real date as YYYY-MM-DD.',
      errLength: 'Enter {min} to {max} characters.',
      errLengthExact: 'Enter {min} characters.',
      errDigits: 'Enter {min} to {max} digits.',
      errDigitsExact: 'Enter {min} digits.',
      errFormat: 'This is not in the expected format.',
      errEmail: 'Enter an email address such as name@example.com.',
      errLuhn: 'This number is not valid: check the digits.',
      errIban: 'This is not a valid IBAN: check the number.',
      errCheck: 'Check this field.',
      optional: '(optional)',
      formSubmit: 'Send securely',
      formSending: 'Sending securely…',
      formSent: 'Sent securely',
      formOffline: 'Not connected. Wait a moment and try again.',
      formRefused: 'The details were not accepted. Please enter them again.',
      formLost: 'Your details did not arrive. Please enter them again.',
      formClosed: 'This secure form is no longer available.',
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
      close: 'Cerrar',
      failed: 'Algo salió mal: {message}',
      unknownOrg: 'Este chat no está disponible. Revisa el enlace o contacta con la web.',
      formBadge: 'Formulario seguro',
      formNote: 'Lo que escribas aquí solo llega a tu agente y nunca aparece en la conversación.',
      formTitle_card: 'Datos de la tarjeta',
      formTitle_ssn: 'Número de la Seguridad Social (SSN)',
      formTitle_nationalId: 'Documento de identidad',
      formTitle_dateOfBirth: 'Fecha de nacimiento',
      field_cardNumber: 'Número de tarjeta',
      field_expiry: 'Fecha de caducidad',
      hint_expiry: 'MM/AA',
      field_cvv: 'Código de seguridad (CVV)',
      hint_cvv: '3 o 4 cifras del reverso',
      field_ssn: 'Número de la Seguridad Social (SSN)',
      hint_ssn: '###-##-####',
      field_nationalId: 'DNI o NIE',
      hint_nationalId: 'Por ejemplo, 12345678Z o X1234567L',
      field_dateOfBirth: 'Fecha de nacimiento',
      hint_dateOfBirth: 'AAAA-MM-DD',
      errRequired: 'Rellena este campo.',
      errCard: 'Este número de tarjeta no es válido.',
      errExpiry: 'Escribe la fecha de caducidad como MM/AA.',
      errExpired: 'Esta tarjeta está caducada.',
      errCvv: 'Escribe el código de 3 o 4 cifras.',
      errSsn: 'Este número de la Seguridad Social no es válido (###-##-####).',
      errNationalId: 'Este DNI o NIE no es válido: revisa el número y la letra.',
      errDate: 'Escribe una fecha real como AAAA-MM-DD.',
      errLength: 'Escribe entre {min} y {max} caracteres.',
      errLengthExact: 'Escribe {min} caracteres.',
      errDigits: 'Escribe entre {min} y {max} cifras.',
      errDigitsExact: 'Escribe {min} cifras.',
      errFormat: 'Esto no tiene el formato esperado.',
      errEmail: 'Escribe un correo electrónico como nombre@ejemplo.com.',
      errLuhn: 'Este número no es válido: revisa las cifras.',
      errIban: 'Este IBAN no es válido: revisa el número.',
      errCheck: 'Revisa este campo.',
      optional: '(opcional)',
      formSubmit: 'Enviar de forma segura',
      formSending: 'Enviando de forma segura…',
      formSent: 'Enviado de forma segura',
      formOffline: 'Sin conexión. Espera un momento y vuelve a intentarlo.',
      formRefused: 'Los datos no se han aceptado. Vuelve a escribirlos.',
      formLost: 'Tus datos no han llegado. Vuelve a escribirlos.',
      formClosed: 'Este formulario seguro ya no está disponible.',
    },
  };
  var params = new URLSearchParams(location.search);
  // The organisation whose chat this is (?org=, from the embed tag's data-org); the hub
  // refuses one it does not host instead of sending the visitor to another company.
  var org = params.get('org') || '';
  var orgQuery = org ? '?org=' + encodeURIComponent(org) : '';
  var STORE_KEY = org ? 'rampart.visitor.' + org : 'rampart.visitor';
  var embedded = params.get('embed') === '1' && window.parent !== window;
  // The loader passes its page's data-locale; otherwise the browser's language decides.
  var askedLocale = Object.prototype.hasOwnProperty.call(STRINGS, params.get('locale')) ? params.get('locale') : null;
  var locale = askedLocale || (/^es\b/i.test(navigator.language || '') ? 'es' : 'en');
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
  var forms = {}; // form id -> secure form entry (see renderForm)
  var inFlight = []; // form ids submitted and not yet answered, oldest first
  var formCount = 0; // for element ids (the hub's form ids never reach an id attribute)

  document.documentElement.lang = locale;
  Array.prototype.forEach.call(document.querySelectorAll('[data-i18n]'), function (el) {
    el.textContent = t(el.getAttribute('data-i18n'));
  });

  function setStatus(text) {
    statusLine.textContent = text;
  }

  // In a third-party frame the browser may refuse storage: the chat then lasts as long as the
  // page instead of surviving a reload.
  function load() {
    try {
      return JSON.parse(sessionStorage.getItem(STORE_KEY) || 'null');
    } catch (e) {
      return null;
    }
  }

  function save() {
    try {
      sessionStorage.setItem(STORE_KEY, JSON.stringify(session));
    } catch (e) {
      // kept in memory only
    }
  }

  function forget() {
    try {
      sessionStorage.removeItem(STORE_KEY);
    } catch (e) {
      // nothing was stored
    }
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

  // ---- Secure forms ------------------------------------------------------------------------

  var FORM_FIELDS = {
    card: ['cardNumber', 'expiry', 'cvv'],
    ssn: ['ssn'],
    nationalId: ['nationalId'],
    dateOfBirth: ['dateOfBirth'],
  };
  var FIELD_INPUTS = {
    cardNumber: { autocomplete: 'cc-number', inputMode: 'numeric', maxLength: 23, wide: true },
    expiry: { autocomplete: 'cc-exp', inputMode: 'numeric', maxLength: 7 },
    cvv: { autocomplete: 'cc-csc', inputMode: 'numeric', maxLength: 4, type: 'password' },
    ssn: { autocomplete: 'off', inputMode: 'numeric', maxLength: 11, wide: true },
    nationalId: { autocomplete: 'off', maxLength: 12, wide: true, capitals: true },
    // No numeric keypad: some lack the dash the date needs.
    dateOfBirth: { autocomplete: 'bday', maxLength: 10, wide: true },
  };
  var DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';
  var FORM_REFUSALS = ['formInvalid', 'formUnknown', 'internal']; // what the hub answers a bad submitForm with

  function luhn(digits) {
    var sum = 0;
    for (var i = 0; i < digits.length; i++) {
      var d = digits.charCodeAt(digits.length - 1 - i) - 48;
      if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
    return sum % 10 === 0;
  }

  // Each check takes the trimmed input and returns { value } (normalised, as sent) or { error }
  // (a STRINGS key). The hub checks again; these only spare the visitor a round trip.
  var CHECKS = {
    cardNumber: function (raw) {
      var digits = raw.replace(/[\s-]/g, '');
      return /^\d{12,19}$/.test(digits) && luhn(digits) ? { value: digits } : { error: 'errCard' };
    },
    expiry: function (raw) {
      var m = /^(\d{2})\s*\/?\s*(\d{2})$/.exec(raw);
      if (!m || +m[1] < 1 || +m[1] > 12) return { error: 'errExpiry' };
      var now = new Date();
      var year = 2000 + +m[2];
      // A card is valid through the last day of its expiry month.
      if (year < now.getFullYear() || (year === now.getFullYear() && +m[1] < now.getMonth() + 1)) {
        return { error: 'errExpired' };
      }
      return { value: m[1] + '/' + m[2] };
    },
    cvv: function (raw) {
      return /^\d{3,4}$/.test(raw) ? { value: raw } : { error: 'errCvv' };
    },
    ssn: function (raw) {
      var m = /^(\d{3})[\s-]?(\d{2})[\s-]?(\d{4})$/.exec(raw);
      if (!m || m[1] === '000' || m[1] === '666' || m[1].charAt(0) === '9' || m[2] === '00' || m[3] === '0000') {
        return { error: 'errSsn' };
      }
      return { value: m[1] + '-' + m[2] + '-' + m[3] };
    },
    nationalId: function (raw) {
      var id = raw.replace(/[\s.-]/g, '').toUpperCase();
      var dni = /^(\d{8})([A-Z])$/.exec(id);
      var nie = /^([XYZ])(\d{7})([A-Z])$/.exec(id);
      var number = dni ? dni[1] : nie ? 'XYZ'.indexOf(nie[1]) + nie[2] : null;
      var letter = dni ? dni[2] : nie ? nie[3] : null;
      if (number === null || DNI_LETTERS.charAt(parseInt(number, 10) % 23) !== letter) {
        return { error: 'errNationalId' };
      }
      return { value: id };
    },
    dateOfBirth: function (raw) {
      var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
      if (!m) return { error: 'errDate' };
      var date = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
      var real = date.getUTCFullYear() === +m[1] && date.getUTCMonth() === +m[2] - 1 && date.getUTCDate() === +m[3];
      return real && +m[1] >= 1900 && date.getTime() <= Date.now() ? { value: raw } : { error: 'errDate' };
    },
  };

  // ---- Custom forms: the hub's definition, checked the way the hub checks it ---------------

  var MAX_CUSTOM_CHARS = 128; // the hub's limit for any custom field
  var CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

  // A Localized text from the hub in the visitor's language (English when missing).
  function pick(text) {
    if (!text || typeof text !== 'object') return '';
    return typeof text[locale] === 'string' ? text[locale] : typeof text.en === 'string' ? text.en : '';
  }

  function chars(text) {
    return Array.from(text).length;
  }

  // A length error: "min to max", or "exactly min" when they are the same.
  function lengthError(key, check) {
    return { error: check.minLength === check.maxLength ? key + 'Exact' : key, params: { min: check.minLength, max: check.maxLength } };
  }

  function mod97(iban) {
    var moved = iban.slice(4) + iban.slice(0, 4);
    var rest = 0;
    for (var i = 0; i < moved.length; i++) {
      var code = moved.charCodeAt(i);
      var value = code >= 65 ? code - 55 : code - 48;
      rest = (rest * (value > 9 ? 100 : 10) + value) % 97;
    }
    return rest === 1;
  }

  function realDate(raw, fromYear, toYear) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
    if (!m) return false;
    var date = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    var real = date.getUTCFullYear() === +m[1] && date.getUTCMonth() === +m[2] - 1 && date.getUTCDate() === +m[3];
    return real && +m[1] >= fromYear && +m[1] <= toYear;
  }

  // One check per `check.type` of a custom field: (trimmed value, check) -> { value } or { error }.
  var CUSTOM_CHECKS = {
    text: function (raw, check) {
      var n = chars(raw);
      return n >= check.minLength && n <= check.maxLength ? { value: raw } : lengthError('errLength', check);
    },
    digits: function (raw, check) {
      var digits = raw.replace(/[ -]/g, '');
      return /^[0-9]+$/.test(digits) && digits.length >= check.minLength && digits.length <= check.maxLength
        ? { value: digits }
        : lengthError('errDigits', check);
    },
    pattern: function (raw, check) {
      // Only the length here. The hub checks the pattern with its linear-time engine and names
      // the field if it does not match: a browser's backtracking engine could hang on a
      // pattern the hub handles fine, and reads \d, \w and flags differently.
      return chars(raw) <= check.maxLength ? { value: raw } : { error: 'errFormat' };
    },
    date: function (raw) {
      return realDate(raw, 1900, 2199) ? { value: raw } : { error: 'errDate' };
    },
    email: function (raw) {
      var at = raw.indexOf('@');
      var local = raw.slice(0, at);
      var labels = raw.slice(at + 1).split('.');
      var ok =
        at > 0 &&
        chars(local) <= 64 &&
        !/[\s@]/.test(local) &&
        raw.length <= 254 &&
        labels.length >= 2 &&
        labels.every(function (label) {
          return /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(label);
        }) &&
        /^[A-Za-z]{2,}$/.test(labels[labels.length - 1]);
      return ok ? { value: raw } : { error: 'errEmail' };
    },
    luhn: function (raw) {
      var digits = raw.replace(/[ -]/g, '');
      return /^[0-9]{8,19}$/.test(digits) && luhn(digits) ? { value: digits } : { error: 'errLuhn' };
    },
    spanishId: function (raw) {
      return CHECKS.nationalId(raw);
    },
    iban: function (raw) {
      var iban = raw.replace(/ /g, '').toUpperCase();
      return /^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(iban) && mod97(iban) ? { value: iban } : { error: 'errIban' };
    },
  };

  // The fields of a custom form's definition, as the widget draws them; null when the
  // definition is not one this widget can draw (the form is then not shown at all).
  function customFields(frame) {
    var definition = frame.definition;
    if (!definition || definition.id !== frame.form.custom || !Array.isArray(definition.fields)) return null;
    var fields = definition.fields.filter(function (field) {
      return (
        field &&
        typeof field.name === 'string' &&
        /^[A-Za-z][A-Za-z0-9]*$/.test(field.name) &&
        field.check &&
        Object.prototype.hasOwnProperty.call(CUSTOM_CHECKS, field.check.type)
      );
    });
    return fields.length === definition.fields.length && fields.length ? fields : null;
  }

  // How each kind of custom field is typed: keyboard, length and capitalisation hints.
  function customInput(field) {
    var check = field.check;
    var numeric = check.type === 'digits' || check.type === 'luhn';
    var lengths = { digits: check.maxLength * 2, luhn: 23, date: 10, iban: 42, spanishId: 12 };
    return {
      autocomplete: 'off',
      inputMode: numeric ? 'numeric' : check.type === 'email' ? 'email' : null,
      maxLength: Math.min(lengths[check.type] || check.maxLength || MAX_CUSTOM_CHARS, MAX_CUSTOM_CHARS),
      wide: true,
      capitals: check.type === 'spanishId' || check.type === 'iban',
    };
  }

  // What a field of a form holds, built-in or custom: { label, hint, required, input, check }.
  function formFields(frame) {
    if (typeof frame.form === 'string') {
      var names = FORM_FIELDS[frame.form];
      if (!names) return null;
      return names.map(function (name) {
        return {
          name: name,
          label: t('field_' + name),
          hint: STRINGS[locale]['hint_' + name] ? t('hint_' + name) : '',
          required: true,
          input: FIELD_INPUTS[name],
          check: CHECKS[name],
        };
      });
    }
    var fields = frame.form && typeof frame.form.custom === 'string' ? customFields(frame) : null;
    if (!fields) return null;
    return fields.map(function (field) {
      return {
        name: field.name,
        label: pick(field.label),
        hint: pick(field.hint),
        required: field.required !== false,
        input: customInput(field),
        check: function (raw) {
          if (chars(raw) > MAX_CUSTOM_CHARS || CONTROL.test(raw)) return { error: 'errCheck' };
          return CUSTOM_CHECKS[field.check.type](raw, field.check);
        },
        custom: true,
      };
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function lockIcon() {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 16 16');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    svg.setAttribute('class', 'rw-lock-icon');
    var shackle = document.createElementNS(ns, 'path');
    shackle.setAttribute('d', 'M4.5 7V5a3.5 3.5 0 0 1 7 0v2');
    shackle.setAttribute('class', 'rw-lock-shackle');
    var body = document.createElementNS(ns, 'rect');
    body.setAttribute('x', '2');
    body.setAttribute('y', '7');
    body.setAttribute('width', '12');
    body.setAttribute('height', '8.5');
    body.setAttribute('rx', '1.5');
    svg.appendChild(shackle);
    svg.appendChild(body);
    return svg;
  }

  function badge(text) {
    var label = el('p', 'rw-lock');
    label.appendChild(lockIcon());
    label.appendChild(el('span', null, text));
    return label;
  }

  function describe(entry, name) {
    var ids = [];
    if (entry.hints[name]) ids.push(entry.hints[name].id);
    if (!entry.errors[name].hidden) ids.push(entry.errors[name].id);
    if (ids.length) entry.inputs[name].setAttribute('aria-describedby', ids.join(' '));
    else entry.inputs[name].removeAttribute('aria-describedby');
  }

  function fieldError(entry, name, text) {
    var input = entry.inputs[name];
    entry.errors[name].textContent = text || '';
    entry.errors[name].hidden = !text;
    if (text) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    describe(entry, name);
  }

  function clearValues(entry) {
    entry.fields.forEach(function (field) {
      entry.inputs[field.name].value = '';
    });
  }

  // Back to editable (after a refusal, or when the hub still lists a form we had sent).
  function reopen(entry, message) {
    entry.state = 'open';
    entry.fieldset.disabled = false;
    entry.button.textContent = t('formSubmit');
    entry.alert.textContent = message;
  }

  // Replaces the form by a one-line note; its values go with it.
  function finish(entry, kind, text) {
    var hadFocus = entry.item.contains(document.activeElement);
    clearValues(entry);
    entry.state = 'done';
    entry.item.className = 'rw-msg rw-secure-done ' + kind;
    var note = badge(text);
    note.appendChild(el('span', 'rw-secure-what', entry.title));
    entry.item.replaceChildren(note);
    if ((hadFocus || document.activeElement === document.body) && !$('rw-composer').hidden) input.focus();
  }

  function submitForm(entry) {
    if (entry.state !== 'open') return;
    var values = [];
    var firstInvalid = null;
    entry.fields.forEach(function (field) {
      var name = field.name;
      var raw = entry.inputs[name].value.trim();
      // An optional field left empty is not sent.
      var result = raw ? field.check(raw) : field.required ? { error: 'errRequired' } : null;
      fieldError(entry, name, result && result.error ? t(result.error, result.params) : '');
      if (result && result.error) firstInvalid = firstInvalid || entry.inputs[name];
      else if (result) values.push({ name: name, value: result.value });
    });
    entry.alert.textContent = '';
    if (firstInvalid) {
      firstInvalid.focus();
      return;
    }
    var frame = { type: 'submitForm', conversationId: session.conversationId, formId: entry.id, values: values };
    if (!send(frame)) {
      entry.alert.textContent = t('formOffline');
      return;
    }
    // Sent: nothing of it stays on the page.
    frame = values = null;
    clearValues(entry);
    entry.state = 'sending';
    inFlight.push(entry.id);
    entry.button.textContent = t('formSending');
    entry.form.focus();
    entry.fieldset.disabled = true;
  }

  function renderForm(frame) {
    if (typeof frame.formId !== 'string' || frame.conversationId !== session.conversationId) return;
    var fields = formFields(frame);
    if (!fields) return;
    var known = forms[frame.formId];
    if (known) {
      // The hub re-announces open forms on every (re)connect. One we had sent is still open
      // there only if our values never arrived.
      if (known.state === 'sending') {
        inFlight = inFlight.filter(function (id) {
          return id !== known.id;
        });
        reopen(known, t('formLost'));
      }
      return;
    }
    var prefix = 'rw-form-' + ++formCount;
    var custom = typeof frame.form !== 'string';
    var entry = {
      id: frame.formId,
      title: custom ? pick(frame.definition.title) : t('formTitle_' + frame.form),
      fields: fields,
      state: 'open',
      inputs: {},
      hints: {},
      errors: {},
    };
    entry.item = el('li', 'rw-msg rw-secure');
    entry.form = el('form', 'rw-form');
    entry.form.noValidate = true;
    entry.form.tabIndex = -1;
    entry.form.setAttribute('aria-labelledby', prefix + '-badge ' + prefix + '-title');
    entry.form.setAttribute('aria-describedby', prefix + '-note');
    var label = badge(t('formBadge'));
    label.id = prefix + '-badge';
    entry.form.appendChild(label);
    var title = el('h2', 'rw-form-title', entry.title);
    title.id = prefix + '-title';
    entry.form.appendChild(title);
    var intro = custom ? pick(frame.definition.intro) : '';
    if (intro) {
      var introText = el('p', 'rw-form-intro', intro);
      introText.id = prefix + '-intro';
      entry.form.appendChild(introText);
      entry.form.setAttribute('aria-describedby', prefix + '-intro ' + prefix + '-note');
    }
    var note = el('p', 'rw-form-note', t('formNote'));
    note.id = prefix + '-note';
    entry.form.appendChild(note);
    entry.fieldset = el('fieldset', 'rw-fields');
    fields.forEach(function (spec) {
      var name = spec.name;
      var id = prefix + '-' + name;
      var wrap = el('div', spec.input.wide ? 'rw-field wide' : 'rw-field');
      var fieldLabel = el('label', null, spec.label);
      if (!spec.required) fieldLabel.appendChild(el('span', 'rw-optional', ' ' + t('optional')));
      fieldLabel.htmlFor = id;
      wrap.appendChild(fieldLabel);
      if (spec.hint) {
        entry.hints[name] = el('p', 'rw-hint', spec.hint);
        entry.hints[name].id = id + '-hint';
        wrap.appendChild(entry.hints[name]);
      }
      var field = document.createElement('input');
      field.id = id;
      field.name = name;
      field.type = spec.input.type || 'text';
      field.autocomplete = spec.input.autocomplete;
      if (spec.input.inputMode) field.inputMode = spec.input.inputMode;
      field.maxLength = spec.input.maxLength;
      field.spellcheck = false;
      field.setAttribute('autocapitalize', spec.input.capitals ? 'characters' : 'off');
      field.setAttribute('autocorrect', 'off');
      field.required = spec.required;
      field.addEventListener('input', function () {
        if (field.hasAttribute('aria-invalid')) fieldError(entry, name, '');
      });
      wrap.appendChild(field);
      entry.inputs[name] = field;
      entry.errors[name] = el('p', 'rw-field-error');
      entry.errors[name].id = id + '-error';
      entry.errors[name].hidden = true;
      wrap.appendChild(entry.errors[name]);
      describe(entry, name);
      entry.fieldset.appendChild(wrap);
    });
    entry.form.appendChild(entry.fieldset);
    entry.alert = el('p', 'rw-form-error');
    entry.alert.setAttribute('role', 'alert');
    entry.form.appendChild(entry.alert);
    entry.button = el('button', 'rw-primary', t('formSubmit'));
    entry.button.type = 'submit';
    entry.form.appendChild(entry.button);
    entry.form.addEventListener('submit', function (event) {
      event.preventDefault();
      submitForm(entry);
    });
    entry.item.appendChild(entry.form);
    log.appendChild(entry.item);
    forms[entry.id] = entry;
    // Move focus into the newest form, unless the visitor is already filling in another one.
    var active = document.activeElement;
    if (!(active && active.closest && active.closest('.rw-form'))) entry.inputs[fields[0].name].focus();
    log.scrollTop = log.scrollHeight;
  }

  // The hub refused the oldest submission in flight; its message names the field, never a value.
  function formRefused(message) {
    var entry = forms[inFlight.shift()];
    if (!entry || entry.state !== 'sending') return;
    reopen(entry, t('formRefused'));
    var colon = message.indexOf(': ');
    var name = colon > 0 ? message.slice(0, colon) : '';
    var field = entry.fields.filter(function (f) {
      return f.name === name;
    })[0];
    if (field) {
      // The hub's words for a built-in field; a custom field's in the visitor's language.
      fieldError(entry, name, field.custom ? t('errCheck') : message.slice(colon + 2));
      entry.inputs[name].focus();
    } else {
      entry.alert.textContent = t('formRefused') + ' (' + message + ')';
      entry.inputs[entry.fields[0].name].focus();
    }
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
      case 'formRequested':
        renderForm(frame);
        break;
      case 'formSubmitted':
        if (forms[frame.formId] && forms[frame.formId].state !== 'done') {
          inFlight = inFlight.filter(function (id) {
            return id !== frame.formId;
          });
          finish(forms[frame.formId], 'sent', t('formSent'));
        }
        break;
      case 'closed':
        closed = true;
        $('rw-composer').hidden = true;
        Object.keys(forms).forEach(function (id) {
          if (forms[id].state !== 'done') finish(forms[id], 'gone', t('formClosed'));
        });
        inFlight = [];
        line('system', null, t('closed'));
        forget();
        if (socket) socket.close();
        break;
      case 'error':
        // A refusal without a message id answers our oldest submitted form (the hub answers
        // each frame in order, and every `submitForm` with a receipt or an error).
        if (!frame.id && inFlight.length && FORM_REFUSALS.indexOf(frame.code) >= 0) {
          formRefused(String(frame.message));
        } else setStatus(t('failed', { message: frame.message }));
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
    fetch('/api/v1/visitor' + orgQuery, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ locale: askedLocale || navigator.language || locale, privacyNotice: button.getAttribute('data-version') }),
    })
      .then(function (response) {
        // The hub says whether it hosts the organisation only here, when a conversation
        // would open (the privacy notice is the same for every organisation).
        if (response.status === 404) throw new Error('unknownOrg');
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
        if (error.message === 'unknownOrg') {
          setStatus(t('unknownOrg'));
          return;
        }
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

  if (embedded) {
    document.documentElement.classList.add('rw-embedded');
    // The message carries nothing, and the parent is a listed origin: frame-ancestors checks
    // every ancestor, and the loader acts on it only from the hub's origin and its own frame.
    var closePanel = function () {
      window.parent.postMessage('rampart:close', '*');
    };
    $('rw-close').hidden = false;
    $('rw-close').addEventListener('click', closePanel);
    document.addEventListener('keydown', function (event) {
      if (event.key === 'Escape') {
        event.preventDefault();
        closePanel();
      }
    });
    // When the loader moves focus into the frame, land on the control that matters now.
    window.addEventListener('focus', function () {
      if (document.activeElement === document.body) {
        ($('rw-composer').hidden ? $('rw-accept') : input).focus();
      }
    });
  }

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
    if (embedded) $('rw-accept').focus();
  }
})();
