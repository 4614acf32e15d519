// Both locales, loaded eagerly, for tests and createAppI18n. The dashboard loads one
// locale on demand through i18n/load.ts, so keep this module out of anything the entry
// chunk imports statically.

export { default as enMessages } from "./enMessages";
export { default as zhCNMessages } from "./zhCNMessages";
