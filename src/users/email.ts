/**
 * The one normalisation of an email address, applied on sign-up and on every login. NFKC folds
 * compatibility look-alikes (fullwidth `ａ`, ligatures) to their plain form and lower-casing folds
 * case, so two spellings of one address always meet the same unique index (ASVS 5.0 V6.3).
 */
export function normalizeEmail(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase().normalize('NFC');
}
