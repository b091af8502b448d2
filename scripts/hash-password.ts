/** Prints a scrypt hash for VIGIL_USERS. Usage: npm run hash-password -- '<password>' (or on stdin). */
import { hashPassword } from '../shared/auth/passwords.js';

const fromArg = process.argv[2];
let password = fromArg ?? '';
if (!fromArg && !process.stdin.isTTY) {
  for await (const chunk of process.stdin) password += chunk;
  password = password.trim();
}
if (!password) {
  console.error('usage: npm run hash-password -- <password>');
  process.exit(2);
}
console.log(await hashPassword(password));
