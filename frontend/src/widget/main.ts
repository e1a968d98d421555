// The chat window Parley serves at /widget (inside the site's iframe): its own small Vue app with
// its own CSS — no PrimeVue and none of the agent app's code.
import { createApp } from 'vue'
import './widget.css'
import App from './App.vue'

createApp(App).mount('#app')
