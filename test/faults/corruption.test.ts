/** Every kind of database damage, against run, status and doctor (test:faults; npm test runs two kinds). */
import test from 'node:test';
import { databaseDamage, DB_DAMAGE } from '../reliability/db-damage.js';

for (const name of Object.keys(DB_DAMAGE) as (keyof typeof DB_DAMAGE)[]) {
  test(
    `a database ${name}: run, status and doctor exit 4 with a clear message; doctor --rebuild and a run restore it`,
    { timeout: 120_000 },
    async () => {
      await databaseDamage(name, ['run', 'status', 'doctor']);
    },
  );
}
