// Every screen but the Overview, in a chunk of its own (a dynamic import in App.svelte): the
// window evaluates only what its first screen needs, and this chunk loads while the Overview
// waits for its figures, so a click on any other screen finds it ready.
export { default as Keys } from './Keys.svelte';
export { default as NewKey } from './NewKey.svelte';
export { default as Providers } from './Providers.svelte';
export { default as Settings } from './Settings.svelte';
export { default as Teams } from './Teams.svelte';
export { default as Usage } from './Usage.svelte';
