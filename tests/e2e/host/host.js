// Acme Studio's router, in one of the two modes settings pages use (the body says which):
// hash mode (#/credits) or query mode (?page=credits, links handled with pushState). Either
// way the dashboard must leave it alone: it keeps its own place in another part of the URL.
(() => {
  const mode = () => document.body.dataset.router;
  const current = () => {
    if (mode() === 'query') {
      return '/' + (new URLSearchParams(location.search).get('page') || 'profile');
    }
    return location.hash.replace(/^#/, '') || '/profile';
  };
  const show = () => {
    const route = current();
    for (const section of document.querySelectorAll('[data-route]')) {
      section.hidden = section.dataset.route !== route;
    }
    for (const a of document.querySelectorAll('.host-nav a')) {
      if (a.dataset.to === route) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    document.body.dataset.hostRoute = route;
  };
  addEventListener('DOMContentLoaded', () => {
    for (const a of document.querySelectorAll('.host-nav a')) {
      const to = a.dataset.to;
      if (mode() === 'query') {
        const url = new URL(location.href);
        url.searchParams.set('page', to.slice(1));
        a.href = url.pathname + url.search;
        a.addEventListener('click', (e) => {
          e.preventDefault();
          const next = new URL(location.href);
          next.searchParams.set('page', to.slice(1));
          history.pushState({ host: to }, '', next);
          show();
        });
      } else {
        a.href = `#${to}`;
      }
    }
    show();
  });
  addEventListener('hashchange', show);
  addEventListener('popstate', show);
})();
