import { createApp } from 'vue'
import { createPinia } from 'pinia'
import PrimeVue from 'primevue/config'
import ToastService from 'primevue/toastservice'
import ConfirmationService from 'primevue/confirmationservice'
import Tooltip from 'primevue/tooltip'
import Aura from '@primeuix/themes/aura'
import { definePreset } from '@primeuix/themes'
import 'primeicons/primeicons.css'
import './styles.css'
import App from './App.vue'
import { router } from './router'
import { currentLocale, i18n, onLocaleChange } from './i18n'
import { initTheme } from './theme'
import { primeLocale } from './primevue-locales'

// Aura with an indigo primary: Parley's colour (#4F46E5, as the app icon).
const ParleyPreset = definePreset(Aura, {
  semantic: {
    primary: {
      50: '{indigo.50}',
      100: '{indigo.100}',
      200: '{indigo.200}',
      300: '{indigo.300}',
      400: '{indigo.400}',
      500: '{indigo.500}',
      600: '{indigo.600}',
      700: '{indigo.700}',
      800: '{indigo.800}',
      900: '{indigo.900}',
      950: '{indigo.950}',
    },
  },
})

initTheme()
document.documentElement.lang = currentLocale()

const app = createApp(App)
app.use(createPinia())
app.use(i18n)
app.use(PrimeVue, {
  theme: { preset: ParleyPreset, options: { darkModeSelector: '.app-dark', cssLayer: false } },
  locale: primeLocale(currentLocale()),
})
app.use(ToastService)
app.use(ConfirmationService)
app.directive('tooltip', Tooltip)
app.use(router)

onLocaleChange((l) => {
  const config = app.config.globalProperties.$primevue?.config
  if (config) config.locale = { ...config.locale, ...primeLocale(l) } as typeof config.locale
})

app.mount('#app')
