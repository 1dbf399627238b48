import type { Mail } from '../mail/mail.service.js';

/** What the mails say. Links are built from `APP_URL`; the token is the only secret in them. */

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function mail(to: string, subject: string, intro: string, action: string, link: string, outro: string): Mail {
  return {
    to,
    subject,
    text: `${intro}\n\n${action}:\n${link}\n\n${outro}\n`,
    html:
      `<!doctype html><html><body><p>${escapeHtml(intro)}</p>` +
      `<p><a href="${escapeHtml(link)}">${escapeHtml(action)}</a></p>` +
      `<p>${escapeHtml(outro)}</p></body></html>`,
  };
}

const minutes = (seconds: number): string =>
  seconds % 3600 === 0 ? `${seconds / 3600} hour(s)` : `${Math.round(seconds / 60)} minutes`;

export function resetMail(to: string, appUrl: string, token: string, ttlSeconds: number): Mail {
  return mail(
    to,
    'Reset your password',
    'Someone (hopefully you) asked to reset the password of your account.',
    'Choose a new password',
    `${appUrl}/reset-password?token=${token}`,
    `The link works once, for ${minutes(ttlSeconds)}. If you did not ask for it, ignore this mail: your password stays as it is.`,
  );
}

export function verifyMail(to: string, appUrl: string, token: string, ttlSeconds: number): Mail {
  return mail(
    to,
    'Confirm your email address',
    'Please confirm that this address belongs to your account.',
    'Confirm my email address',
    `${appUrl}/verify-email?token=${token}`,
    `The link works once, for ${minutes(ttlSeconds)}. If you did not create an account, ignore this mail.`,
  );
}
