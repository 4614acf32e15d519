// zod's locales for the bundle: English only.
//
// zod re-exports all of its 40-odd locales as `z.locales`, so bundling zod bundled all of
// them, and starting the reporter compiled them: about 1 MB of heap for messages the
// reporter never shows (its errors are English, and the dashboard translates them).
// build.mjs resolves zod's locales index to this file.
export { default as en } from "zod/v4/locales/en.js";
