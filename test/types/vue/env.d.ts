// What `"types": ["rtc-call/vue"]` does in an app's tsconfig (see tsconfig.json for why an import).
import type {} from 'rtc-call/vue';
