// Hydrates the page's islands (Leptos's `<leptos-island>` elements) with the lightest bundle
// that has every one of them. The server sets `bundles` (lightest first, each with the islands
// it exports) just before this script. Once every island is interactive the body gets
// `data-hydrated`; if one is not, `data-hydration-failed` names what failed.
(async () => {
  const body = document.body;
  // Our islands take no children, so no island element sits inside another: each is its own.
  const islands = [...document.querySelectorAll('leptos-island')];
  if (!islands.length) {
    body.setAttribute('data-hydrated', '');
    return;
  }
  const names = islands.map((island) => island.dataset.component);
  const bundle =
    bundles.find((b) => names.every((name) => b.islands.includes(name))) ??
    bundles[bundles.length - 1];
  const failed = [];
  try {
    // The wasm downloads while the module loads.
    const wasm = fetch(bundle.wasm);
    wasm.catch(() => {});
    const glue = await import(bundle.js);
    await glue.default({ module_or_path: wasm });
    glue.hydrate();
    for (const island of islands) {
      const name = island.dataset.component;
      try {
        if (typeof glue[name] !== 'function') throw new Error(`${name} is not in ${bundle.js}`);
        await glue[name](island);
      } catch (error) {
        failed.push(name);
      }
    }
  } catch (error) {
    failed.push(bundle ? bundle.js : 'no bundle');
  }
  body.setAttribute(failed.length ? 'data-hydration-failed' : 'data-hydrated', failed.join(' '));
})();
