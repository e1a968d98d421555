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

// Aura with an emerald primary: Parley's colour.
const ParleyPreset = definePreset(Aura, {
  semantic: {
    primary: {
      50: '{emerald.50}',
      100: '{emerald.100}',
      200: '{emerald.200}',
      300: '{emerald.300}',
      400: '{emerald.400}',
      500: '{emerald.500}',
      600: '{emerald.600}',
      700: '{emerald.700}',
      800: '{emerald.800}',
      900: '{emerald.900}',
      950: '{emerald.950}',
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
