import { defineConfig } from 'prisma/config';

// Prisma 7 does not load .env by itself. env('DATABASE_URL') would throw when unset and break
// `prisma generate` in CI, so read process.env with a placeholder fallback.
export default defineConfig({
  schema: './schema.prisma',
  migrations: { path: './migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:55432/inferbench' },
});
