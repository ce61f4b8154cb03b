/**
 * `npm run staff-token -- <user id>`: makes a new random staff API token and prints it with the
 * line to put under that user's `tokens:` in the staff file. The token is shown once; only its
 * hash is stored.
 */
import { generateToken, hashToken, StaffUserIdSchema as UserId } from '../../../common/staff-users.ts';

const arg = process.argv.slice(2).find((a) => a !== '--');
const parsed = UserId.safeParse(arg);
if (!parsed.success || arg === '--help' || arg === '-h') {
  process.stderr.write('usage: npm run staff-token -- <user id>   (a-z, 0-9, ".", "_", "-")\n');
  process.exit(arg === '--help' || arg === '-h' ? 0 : 2);
}
const token = generateToken();
process.stdout.write(`token for ${parsed.data} (give it to them; it is not stored):\n  ${token}\n\nadd to the staff file under users[id=${parsed.data}].tokens:\n  - "${hashToken(token)}"\n`);
