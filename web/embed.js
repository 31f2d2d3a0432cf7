/*
 * Creditboard in a host's page: `Creditboard.mount(element, options)` and `<credit-board>`.
 * Load it from where the dashboard is served: <script src="https://…/creditboard/embed.js">.
 *
 * The dashboard runs in a frame inside a shadow root, so neither page's styles, scripts or
 * router reach the other. The host passes the API and token (or, for the demo, a preset or
 * its own product's configuration), the locale
 * and the theme by message, never in a URL. The frame says where it is; this script keeps
 * that in one parameter of the host's URL (`?creditboard=/activity…`, or in the fragment),
 * with `history.replaceState`, so the host's router sees no navigation and a reload or a
 * shared link opens the same view. docs/embedding.md has the details.
 */
(() => {
  'use strict';
  const FRAME_NAME = 'creditboard-embed';
  const script = document.currentScript;
  const DEFAULT_APP = new URL('./', (script && script.src) || location.href).href;
  const SCHEMES = ['light', 'dark', 'auto'];
  const ROUTES = ['query', 'hash', 'none'];

  const fail = (message) => {
    throw new TypeError(`Creditboard: ${message}`);
  };
  const optionalString = (options, name) => {
    const value = options[name];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') fail(`${name} must be a string.`);
    return value;
  };

  /** The options as the frame gets them, or a TypeError that says what is wrong. */
  function check(element, options) {
    if (!(element instanceof Element)) fail('mount needs an element to render into.');
    if (options === null || typeof options !== 'object') fail('options must be an object.');
    const known = ['app', 'apiBase', 'token', 'preset', 'config', 'locale', 'theme', 'route', 'param', 'title'];
    for (const name of Object.keys(options)) {
      if (!known.includes(name)) fail(`“${name}” is not an option (${known.join(', ')}).`);
    }
    let app;
    try {
      app = new URL(optionalString(options, 'app') || DEFAULT_APP, location.href);
    } catch (_) {
      fail(`app “${options.app}” is not a URL.`);
    }
    if (!app.pathname.endsWith('/')) app.pathname += '/';
    const apiBase = optionalString(options, 'apiBase');
    const token = optionalString(options, 'token');
    const preset = optionalString(options, 'preset');
    const config = checkProduct(options.config);
    if (config !== undefined && (apiBase !== undefined || preset !== undefined)) {
      fail('config is the demo’s product: give apiBase, preset or config, only one.');
    }
    if (apiBase !== undefined) {
      try {
        new URL(apiBase, location.href);
      } catch (_) {
        fail(`apiBase “${apiBase}” is not a URL.`);
      }
      if (token === undefined) fail('apiBase needs a token (an embed token from your backend).');
      if (preset !== undefined) fail('preset is for the demo: give apiBase or preset, not both.');
    } else if (token !== undefined) {
      fail('token needs apiBase.');
    }
    if (preset !== undefined && !/^[a-z0-9_-]{1,40}$/.test(preset)) {
      fail(`preset “${preset}” is not a preset name (lucas, ngram, videogen, act3, fotomaster).`);
    }
    const locale = optionalString(options, 'locale');
    if (locale !== undefined && !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(locale)) {
      fail(`locale “${locale}” is not a language tag such as en-US or de-DE.`);
    }
    const route = optionalString(options, 'route') || 'query';
    if (!ROUTES.includes(route)) fail(`route “${route}” is not one of ${ROUTES.join(', ')}.`);
    const param = optionalString(options, 'param') || 'creditboard';
    if (!/^[A-Za-z0-9_.-]{1,40}$/.test(param)) fail(`param “${param}” is not a parameter name.`);
    return {
      app,
      apiBase: apiBase && new URL(apiBase, location.href).href,
      token,
      preset,
      config,
      locale,
      theme: checkTheme(options.theme),
      route,
      param,
      title: optionalString(options, 'title') || 'Credits and usage',
    };
  }

  /** A product of the host's own, `{ account, rate_card }` (the API's JSON): its shape here,
   * the rest (an unknown meter, say) by the dashboard, which says what is wrong. */
  function checkProduct(config) {
    if (config === undefined || config === null) return undefined;
    const object = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
    if (!object(config)) fail('config must be an object: { account, rate_card }.');
    for (const part of ['account', 'rate_card']) {
      if (!object(config[part])) fail(`config needs its ${part} (an object).`);
    }
    try {
      // A copy the host cannot change behind the frame's back, and proof it can be sent.
      return JSON.parse(JSON.stringify(config));
    } catch (_) {
      fail('config must be plain JSON.');
    }
  }

  /** `'dark'`, or `{ scheme, variables: { '--cb-accent': '…' } }`. */
  function checkTheme(theme) {
    if (theme === undefined || theme === null) return { variables: {} };
    if (typeof theme === 'string') theme = { scheme: theme };
    if (typeof theme !== 'object') fail('theme must be a scheme or { scheme, variables }.');
    if (theme.scheme !== undefined && !SCHEMES.includes(theme.scheme)) {
      fail(`theme scheme “${theme.scheme}” is not one of ${SCHEMES.join(', ')}.`);
    }
    const variables = {};
    for (const [name, value] of Object.entries(theme.variables || {})) {
      if (!/^--cb-[A-Za-z0-9-]+$/.test(name)) fail(`“${name}” is not a --cb- property.`);
      if (typeof value !== 'string') fail(`the value of ${name} must be a string.`);
      variables[name] = value;
    }
    return { scheme: theme.scheme, variables };
  }

  /** The dashboard's place as the host's URL keeps it (`/activity?…`), or `/`. */
  function savedPath(config) {
    let saved = null;
    if (config.route === 'query') {
      saved = new URLSearchParams(location.search).get(config.param);
    } else if (config.route === 'hash') {
      saved = new URLSearchParams(location.hash.slice(1)).get(config.param);
    }
    // Only a path below the dashboard's own: nothing that climbs out of it or leaves it.
    const safe = saved && /^\/(?!\/)/.test(saved) && !/(^|\/)\.\.?(\/|$|\?)|\\/.test(saved);
    return safe ? saved : '/';
  }

  /** Keeps the dashboard's place in the host's URL without a navigation the host would see. */
  function savePath(config, path) {
    if (config.route === 'none') return;
    const url = new URL(location.href);
    const params = new URLSearchParams(config.route === 'query' ? url.search : url.hash.slice(1));
    if (path === '/') params.delete(config.param);
    else params.set(config.param, path);
    const text = params.toString();
    if (config.route === 'query') url.search = text;
    else url.hash = text;
    if (url.href !== location.href) history.replaceState(history.state, '', url.href);
  }

  /** The theme: the options' own, over the `--cb-` properties the host's CSS sets on
   * `element` and the host's colour scheme. */
  function themeOf(element, config) {
    const style = getComputedStyle(element);
    const variables = {};
    for (let i = 0; i < style.length; i++) {
      const name = style[i];
      if (name.startsWith('--cb-')) variables[name] = style.getPropertyValue(name).trim();
    }
    Object.assign(variables, config.theme.variables);
    let scheme = config.theme.scheme;
    if (scheme === undefined || scheme === 'auto') {
      const host = style.colorScheme.trim();
      scheme = host === 'dark' || host === 'light' ? host : 'auto';
    }
    return { scheme, variables };
  }

  /** Renders the dashboard inside `root` (a shadow root) for `element`'s page. */
  function start(element, root, config) {
    const frame = document.createElement('iframe');
    frame.name = FRAME_NAME;
    frame.title = config.title;
    const src = new URL('.' + savedPath(config), config.app);
    // A preset's demo starts building as the frame loads; the host's own product waits for
    // the options that carry it.
    if (!config.apiBase && !config.config) {
      src.searchParams.set('store', 'demo');
      if (config.preset) src.searchParams.set('preset', config.preset);
    }
    frame.src = src.href;
    const style = document.createElement('style');
    style.textContent = ':host { display: block; }\n'
      + 'iframe { display: block; width: 100%; height: 640px; border: 0; }';
    root.replaceChildren(style, frame);

    let theme = JSON.stringify(themeOf(element, config));
    const send = (message) => frame.contentWindow
      && frame.contentWindow.postMessage(message, config.app.origin);
    const onMessage = (e) => {
      if (e.source !== frame.contentWindow || e.origin !== config.app.origin) return;
      const data = e.data || {};
      if (data.creditboard === 'ready') {
        const { apiBase, token, locale } = config;
        const options = { apiBase, token, config: config.config, locale, theme: JSON.parse(theme) };
        send({ creditboard: 'options', options });
      } else if (data.creditboard === 'location' && typeof data.path === 'string') {
        savePath(config, data.path);
      } else if (data.creditboard === 'height' && Number.isFinite(data.height)) {
        frame.style.height = `${Math.max(200, Math.ceil(data.height))}px`;
        seen = '';
        onScroll();
      }
    };
    addEventListener('message', onMessage);
    // The host restyling itself (a class on <html>, a dark mode switch, a property on the
    // element) restyles the frame; for changes elsewhere (a new stylesheet) it calls restyle().
    const restyle = () => {
      const next = JSON.stringify(themeOf(element, config));
      if (next !== theme) {
        theme = next;
        send({ creditboard: 'theme', theme: JSON.parse(theme) });
      }
    };
    // Which part of the frame the viewer sees, for the panels and dialogs that open in it.
    let seen = '';
    let pending = false;
    const view = () => {
      pending = false;
      const r = frame.getBoundingClientRect();
      const top = Math.max(0, -r.top);
      const height = Math.max(0, Math.min(innerHeight, r.bottom) - Math.max(0, r.top));
      const next = `${Math.round(top)},${Math.round(height)}`;
      if (next !== seen) {
        seen = next;
        send({ creditboard: 'view', top: Math.round(top), height: Math.round(height) });
      }
    };
    const onScroll = () => {
      if (!pending) {
        pending = true;
        requestAnimationFrame(view);
      }
    };
    addEventListener('scroll', onScroll, { passive: true, capture: true });
    addEventListener('resize', onScroll, { passive: true });
    const observer = new MutationObserver(restyle);
    // The element and its ancestors: where the properties it inherits are set.
    for (let node = element; node; node = node.parentElement) {
      observer.observe(node, { attributes: true, attributeFilter: ['class', 'style', 'data-theme'] });
    }
    const dark = matchMedia('(prefers-color-scheme: dark)');
    dark.addEventListener('change', restyle);
    return {
      frame,
      restyle,
      stop() {
        removeEventListener('message', onMessage);
        removeEventListener('scroll', onScroll, { capture: true });
        removeEventListener('resize', onScroll);
        observer.disconnect();
        dark.removeEventListener('change', restyle);
        root.replaceChildren();
      },
    };
  }

  /**
   * Renders the dashboard inside `element`. Options: `app` (where the dashboard is served;
   * default: beside this script), `apiBase` and `token`, or for the demo `preset` or `config`
   * (the host's own product: `{ account, rate_card }`); `locale`;
   * `theme` (`'light'`, `'dark'`, `'auto'` or `{ scheme, variables }`); `route` (`'query'`,
   * `'hash'` or `'none'`) and `param` (the host URL's parameter); `title`.
   * Returns `{ frame, restyle(), unmount() }`. Throws a TypeError, changing nothing, on bad
   * options.
   */
  function mount(element, options = {}) {
    const config = check(element, options);
    const holder = document.createElement('div');
    holder.className = 'creditboard-root';
    const root = holder.attachShadow({ mode: 'open' });
    element.append(holder);
    const running = start(holder, root, config);
    return {
      frame: running.frame,
      restyle: running.restyle,
      unmount() {
        running.stop();
        holder.remove();
      },
    };
  }

  /** `<credit-board app api-base token preset locale theme route param>`; the `token` and
   * `config` properties for what does not belong in an attribute. */
  class CreditBoard extends HTMLElement {
    static get observedAttributes() {
      return ['app', 'api-base', 'token', 'preset', 'locale', 'theme', 'route', 'param'];
    }

    connectedCallback() {
      // Properties a host set before this script defined the element shadow the accessors.
      for (const name of ['token', 'config']) {
        if (Object.prototype.hasOwnProperty.call(this, name)) {
          const value = this[name];
          delete this[name];
          this[`_${name}`] = value;
        }
      }
      this.render();
    }

    get token() { return this._token; }
    set token(value) { this._token = value; if (this.isConnected) this.render(); }
    get config() { return this._config; }
    set config(value) { this._config = value; if (this.isConnected) this.render(); }

    disconnectedCallback() {
      if (this.running) this.running.stop();
      this.running = null;
    }

    attributeChangedCallback() {
      if (this.isConnected) this.render();
    }

    render() {
      if (this.running) this.running.stop();
      this.running = null;
      const root = this.shadowRoot || this.attachShadow({ mode: 'open' });
      const options = {};
      for (const [attribute, name] of [['app', 'app'], ['api-base', 'apiBase'], ['token', 'token'],
        ['preset', 'preset'], ['locale', 'locale'], ['theme', 'theme'], ['route', 'route'],
        ['param', 'param']]) {
        if (this.hasAttribute(attribute)) options[name] = this.getAttribute(attribute);
      }
      if (this.token !== undefined) options.token = this.token;
      if (this.config !== undefined) options.config = this.config;
      try {
        this.running = start(this, root, check(this, options));
      } catch (e) {
        const message = document.createElement('p');
        message.setAttribute('role', 'alert');
        message.textContent = `${e.message}`;
        root.replaceChildren(message);
        console.error(e);
      }
    }
  }

  window.Creditboard = Object.freeze({ mount });
  if (!customElements.get('credit-board')) customElements.define('credit-board', CreditBoard);
})();
