import { createRouter, createWebHistory } from 'vue-router'
import { signedIn, user } from './api'
import { residentSignedIn } from './resident'
import LoginView from './views/LoginView.vue'

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', redirect: '/command' },
    { path: '/login', component: LoginView },
    { path: '/command', component: () => import('./views/CommandCentre.vue') },
    { path: '/inbox', component: () => import('./views/InboxView.vue') },
    { path: '/events/:id', component: () => import('./views/EventView.vue'), props: true },
    { path: '/phone', component: () => import('./views/PhoneView.vue') },
    { path: '/admin', component: () => import('./views/AdminView.vue') },
    { path: '/people', component: () => import('./views/PeopleView.vue') },
    { path: '/things', component: () => import('./views/ThingsView.vue') },
    { path: '/situations', component: () => import('./views/SituationsView.vue') },
    { path: '/mediation', component: () => import('./views/MediationView.vue') },
    { path: '/mediation/:id', component: () => import('./views/MediationCaseView.vue'), props: true },
    { path: '/risk', component: () => import('./views/RiskView.vue') },
    { path: '/assessment', component: () => import('./views/AssessmentView.vue') },
    { path: '/pilot', component: () => import('./views/PilotView.vue') },
    { path: '/desk', component: () => import('./views/DeskView.vue') },
    { path: '/notices', component: () => import('./views/NoticesView.vue') },
    { path: '/surveys', component: () => import('./views/SurveysView.vue') },
    { path: '/points', component: () => import('./views/PointsView.vue') },
    { path: '/patrol', component: () => import('./views/PatrolView.vue') },
    { path: '/wule', component: () => import('./views/WuleView.vue') },
    { path: '/staffing', component: () => import('./views/StaffingView.vue') },
    { path: '/deliberations', component: () => import('./views/DeliberationsView.vue') },
    { path: '/print', component: () => import('./views/PrintView.vue') },
    { path: '/people/:id', component: () => import('./views/PersonView.vue'), props: true },
    // The residents' own pages: a separate sign-in (a code to their phone), phone first.
    { path: '/r/login', component: () => import('./views/ResidentSignIn.vue') },
    { path: '/r', component: () => import('./views/ResidentHome.vue') },
    { path: '/r/events/:id', component: () => import('./views/ResidentEvent.vue'), props: true },
    { path: '/r/surveys/:id', component: () => import('./views/ResidentSurvey.vue'), props: true },
  ],
})

router.beforeEach((to) => {
  if (to.path === '/r' || to.path.startsWith('/r/')) {
    if (to.path !== '/r/login' && !residentSignedIn()) return '/r/login'
    return
  }
  if (to.path !== '/login' && !signedIn()) return '/login'
  // A password set by an administrator (or expired) is changed before anything else.
  if (to.path !== '/login' && user.value?.must_change_password) return '/login'
})
