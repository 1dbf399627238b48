import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * NIST SP 800-63B §5.1.1.2: a new password is compared with a list of commonly used ones. The list
 * is zxcvbn-ts's `passwords-common` (about 49,000 entries, most common first, from public breach
 * corpora), a maintained package. Compared after NFKC and lower-casing, as the list is lower case.
 * Built on first use, then kept: a Set makes each check one lookup.
 */
let common: Set<string> | undefined;

export function isCommonPassword(password: string): boolean {
  common ??= new Set(dictionary['passwords-common']);
  return common.has(password.normalize('NFKC').toLowerCase());
}
