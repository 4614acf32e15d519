import { createPinia } from "pinia";
import { createApp } from "vue";

import App from "./App.vue";
import { onUnauthorized } from "./api/client";
import { detectLocale, loadAppI18n, readStoredLocale } from "./i18n";
import { loadDarkTheme, useTheme } from "./composables/useTheme";
import { createAppRouter, loginRoute } from "./router";
import { useAuthStore } from "./stores/authStore";

import "./styles.css";

const pinia = createPinia();
const router = createAppRouter(pinia);
// Only the active locale is downloaded, and the first render waits for it.
const i18n = await loadAppI18n({ locale: detectLocale(readStoredLocale(), navigator.languages) });
document.documentElement.lang = i18n.global.locale.value;

// A 401 from any route means the session expired: back to login, then to this page.
onUnauthorized(() => {
  useAuthStore(pinia).expire();
  const current = router.currentRoute.value;
  if (current.name !== "login") {
    void router.push(loginRoute(current.fullPath));
  }
});

const app = createApp(App);
app.use(pinia);
app.use(router);
app.use(i18n);
// A dark-theme visitor waits for the dark styles before the first paint, so the page
// never flashes light.
if (useTheme().isDark.value) {
  await loadDarkTheme();
}
app.mount("#app");
