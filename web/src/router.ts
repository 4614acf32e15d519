import { createRouter, createWebHistory } from "vue-router";

import { useAuthStore } from "./stores/authStore";

import type { Pinia } from "pinia";
import type { RouteLocationRaw, RouteRecordRaw, Router, RouterHistory } from "vue-router";

// Pages load on demand so the first paint carries only the shell and the page in view.

/** The instance pages that exist; the instance navigation lists exactly these. */
export const instancePages: RouteRecordRaw[] = [
  {
    path: "overview",
    name: "instance-overview",
    component: () => import("./pages/OverviewPage.vue"),
    meta: { navKey: "instance.nav.overview" },
  },
  {
    path: "sync",
    name: "instance-sync",
    component: () => import("./pages/SyncPage.vue"),
    meta: { navKey: "sync.nav" },
  },
  {
    path: "models",
    name: "instance-models",
    component: () => import("./pages/ModelsPage.vue"),
    meta: { navKey: "models.nav" },
  },
  {
    path: "comfyui",
    name: "instance-comfyui",
    component: () => import("./pages/ComfyuiPage.vue"),
    meta: { navKey: "comfyui.nav" },
  },
  {
    path: "plugins",
    name: "instance-plugins",
    component: () => import("./pages/PluginsPage.vue"),
    meta: { navKey: "plugins.nav" },
  },
  {
    path: "logs",
    name: "instance-logs",
    component: () => import("./pages/LogsPage.vue"),
    meta: { navKey: "alerts.nav" },
  },
  {
    path: "deploy",
    name: "instance-deploy",
    component: () => import("./pages/DeployPage.vue"),
    meta: { navKey: "deploy.nav" },
  },
  {
    path: "gallery",
    name: "instance-gallery",
    component: () => import("./pages/GalleryPage.vue"),
    meta: { navKey: "gallery.nav" },
  },
  {
    path: "workflows",
    name: "instance-workflows",
    component: () => import("./pages/WorkflowsPage.vue"),
    meta: { navKey: "workflows.nav" },
  },
  {
    path: "tunnel",
    name: "instance-tunnel",
    component: () => import("./pages/TunnelPage.vue"),
    meta: { navKey: "tunnel.nav" },
  },
];

const routes: RouteRecordRaw[] = [
  { path: "/login", name: "login", component: () => import("./pages/LoginPage.vue"), meta: { public: true } },
  { path: "/setup", name: "setup", component: () => import("./pages/SetupPage.vue"), meta: { public: true } },
  { path: "/", name: "fleet", component: () => import("./pages/FleetPage.vue") },
  { path: "/settings", name: "settings", component: () => import("./pages/SettingsPage.vue") },
  { path: "/alerts", name: "alerts", component: () => import("./pages/AlertsPage.vue") },
  {
    path: "/instances/:id",
    component: () => import("./pages/InstanceLayout.vue"),
    children: [{ path: "", name: "instance", redirect: { name: "instance-overview" } }, ...instancePages],
  },
  { path: "/:pathMatch(.*)*", name: "not-found", component: () => import("./pages/NotFoundPage.vue"), meta: { public: true } },
];

/** Returns `target` when it is a path inside this app, else the fleet page: a redirect never leaves the origin. */
export function safeRedirect(target: unknown): string {
  if (typeof target !== "string" || !target.startsWith("/") || target.startsWith("//") || target.startsWith("/\\")) {
    return "/";
  }
  return target === "/login" || target.startsWith("/login?") ? "/" : target;
}

/** The login route that returns to `fullPath` afterwards. */
export function loginRoute(fullPath: string): RouteLocationRaw {
  return { name: "login", query: { redirect: safeRedirect(fullPath) } };
}

/** Creates the router; every page except login, first-run setup and not-found needs a valid session. */
export function createAppRouter(pinia: Pinia, history: RouterHistory = createWebHistory()): Router {
  const router = createRouter({ history, routes });

  router.beforeEach(async (to) => {
    if (to.meta.public === true) {
      return true;
    }

    const auth = useAuthStore(pinia);
    const authenticated = auth.authenticated ?? (await auth.check());
    return authenticated ? true : loginRoute(to.fullPath);
  });
  return router;
}

declare module "vue-router" {
  interface RouteMeta {
    public?: boolean;
    /** i18n key of the page's entry in the instance navigation. */
    navKey?: string;
  }
}
