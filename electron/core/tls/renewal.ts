import type { CertificateInfo } from './certificate-info';
import { daysLeft } from './certificate-info';
import { describeNames, sameNames, type CertificateNames } from './names';

/** `start` issues a new gateway certificate when fewer days than this remain. */
export const RENEW_BEFORE_DAYS = 7;

/** What is known about the gateway certificate on hand (from the file and the keychain). */
export interface CurrentCertificate {
  info: CertificateInfo;
  /** The keychain's gateway key is this certificate's key. */
  keyMatches: boolean;
  /** The certificate was signed by the CA Gatehouse holds now. */
  signedByCa: boolean;
}

/**
 * Why the gateway certificate must be issued anew before the gateway starts, or null when the
 * one on hand will do. Pure: the caller reads the certificate, the key and the clock.
 */
export function renewalReason(current: CurrentCertificate | null, wanted: CertificateNames, now: Date): string | null {
  if (!current) return 'there is no gateway certificate yet';
  if (!current.keyMatches) return 'the keychain holds no key for the certificate on hand';
  if (!current.signedByCa) return 'the certificate was not signed by the current local CA';
  if (current.info.notBefore.getTime() > now.getTime()) return 'the certificate is not valid yet (the clock moved back)';
  const left = daysLeft(current.info, now);
  if (left < RENEW_BEFORE_DAYS) return left < 0 ? 'the certificate has expired' : `the certificate expires in ${left} day${left === 1 ? '' : 's'}`;
  if (!sameNames(current.info.names, wanted)) {
    return `the gateway's names changed (certificate: ${describeNames(current.info.names)}; now: ${describeNames(wanted)})`;
  }
  return null;
}
