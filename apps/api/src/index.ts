export { createApp, startApi, type CreateAppOptions, type StartedApi } from './app.js';
export {
  loadConfig,
  ApiEnvSchema,
  CONFIG,
  DEV_SECRET_KEY_HEX,
  type AppConfig,
  type ApiEnv,
} from './config.js';
export { SecretBox } from './common/crypto/secret-box.js';
export { AuthService } from './modules/auth/auth.service.js';
