// Quorumscope's embedding API, version 1, for host pages (course sites). Plain JavaScript, no
// build step: <script src="quorumscope-embed.js"></script>, then
//
//   const qs = Quorumscope.attach(document.querySelector('iframe'));  // before or after it loads
//   await qs.ready;                          // { version, lessons }
//   qs.on('answered', (m) => ...);           // any event type, or '*' for all
//   qs.send('seek', { t_ms: 300 });          // any command; see the README's "Embedding API"
//   const state = await qs.getState();
//
// Messages are plain objects { quorumscope: 1, type, ...fields }. Only messages from the frame's
// own window and origin are taken, and commands go to that origin only.
(function (global) {
  'use strict';
  const VERSION = 1;

  function attach(iframe, options) {
    const opts = options || {};
    // The app's origin, from the frame's address (or given, for a frame whose src is set later).
    const origin = opts.origin || new URL(iframe.src, location.href).origin;
    const handlers = new Map();
    const pending = new Map();
    let nextId = 1;
    let resolveReady;
    let readyInfo = null;
    const ready = new Promise((resolve) => { resolveReady = resolve; });

    function emit(type, msg) {
      for (const fn of handlers.get(type) || []) fn(msg);
    }

    function onMessage(e) {
      if (e.source !== iframe.contentWindow || e.origin !== origin) return;
      const m = e.data;
      if (!m || typeof m !== 'object' || m.quorumscope !== VERSION || typeof m.type !== 'string') return;
      if (m.type === 'ready' && !readyInfo) {
        readyInfo = { version: m.version, lessons: m.lessons };
        resolveReady(readyInfo);
      }
      // The answer to a request, or its refusal (an `error` with its id): the promise settles.
      if (m.id !== undefined && pending.has(m.id)) {
        const { resolve, reject } = pending.get(m.id);
        pending.delete(m.id);
        if (m.type === 'error') reject(new Error(m.message));
        else resolve(m);
      }
      emit(m.type, m);
      emit('*', m);
    }
    global.addEventListener('message', onMessage);

    function send(type, fields) {
      const w = iframe.contentWindow;
      if (w) w.postMessage(Object.assign({}, fields || {}, { quorumscope: VERSION, type }), origin);
    }

    // The app says `ready` once, when it starts listening. Attached later than that (the frame
    // had already loaded), the helper asks for it again with `hello`; the frame's `load` event
    // asks too (a frame that was still loading, or one that reloaded). A `hello` the app cannot
    // hear yet is lost, and then its own `ready` is heard instead.
    function hello() {
      if (!readyInfo) send('hello');
    }
    iframe.addEventListener('load', hello);
    hello();

    // A command answered by a message carrying its id (`get-state` → `state`).
    function request(type, fields) {
      const id = `qs-${nextId++}`;
      return ready.then(() => new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        send(type, Object.assign({}, fields || {}, { id }));
      }));
    }

    return {
      ready,
      send,
      on(type, fn) {
        if (!handlers.has(type)) handlers.set(type, new Set());
        handlers.get(type).add(fn);
        return () => handlers.get(type).delete(fn);
      },
      getState() {
        return request('get-state');
      },
      // A figure of the view at this instant (`what`: 'ring' or 'spacetime'; `format`: 'svg' or
      // 'png'), answered by a `figure` message; rejected (an Error with the app's message) when
      // the app refuses, e.g. a view the embed does not show.
      export(what, format) {
        return request('export', { what, format });
      },
      detach() {
        global.removeEventListener('message', onMessage);
        iframe.removeEventListener('load', hello);
        pending.clear();
      },
    };
  }

  global.Quorumscope = { attach, VERSION };
})(window);
