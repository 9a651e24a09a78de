import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { Logger } from '@nimbus-ts/k8s';
import { keyMatchesCertificate } from '@nimbus-ts/k8s';
import {
  type CertificateSource,
  sameTlsMaterial,
  type TlsMaterial,
  type TlsMaterialListener,
} from './tls-material.js';

/** Options of {@link FileCertificates}. */
export interface FileCertificatesOptions {
  /** PEM serving certificate (chain allowed, leaf first), e.g. `/tls/tls.crt` of a mounted Secret. */
  readonly certFile: string;
  /** PEM private key of the certificate, e.g. `/tls/tls.key`. */
  readonly keyFile: string;
  /** PEM CA bundle for the webhook configuration's `caBundle`, e.g. `/tls/ca.crt`; optional. */
  readonly caFile?: string;
  /** How often the files are checked for changes. Default 10 s. */
  readonly pollIntervalMs?: number;
  /** Called whenever the material changes, including the first load. */
  readonly onChange?: TlsMaterialListener;
  readonly logger?: Logger;
}

/**
 * Serving certificates from files, e.g. a cert-manager Secret mounted into the pod. The kubelet updates a
 * mounted Secret in place (by swapping a symlink), so the files are polled: when any file's modification
 * time, inode or size changes, they are read again, and the new material is taken once the key matches the
 * certificate — a read in the middle of an update (new certificate, old key) is skipped and retried on the
 * next poll.
 */
export class FileCertificates implements CertificateSource {
  private material: TlsMaterial | undefined;
  private stamp = '';
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();
  private stopped = false;

  /** @param options - see {@link FileCertificatesOptions}. */
  constructor(private readonly options: FileCertificatesOptions) {}

  /** The material in force, or undefined before the first load. */
  current(): TlsMaterial | undefined {
    return this.material;
  }

  /** True once the files have been loaded. */
  get ready(): boolean {
    return this.material !== undefined;
  }

  /** Loads the files (rejecting with the file and the fix when they are unusable) and starts polling. */
  async start(): Promise<void> {
    let stamp: string;
    let material: TlsMaterial;
    try {
      stamp = await this.readStamp();
      material = await this.readMaterial();
    } catch (err) {
      throw new Error(
        `cannot read the webhook's certificate files: ${(err as Error).message}. Fix: mount the Secret ` +
          'holding them, or correct the paths.',
      );
    }
    const problem = checkMaterial(material, this.options);
    if (problem) throw new Error(`${problem}. Fix: mount a matching PEM certificate and private key.`);
    this.stamp = stamp;
    await this.adopt(material);
    this.schedule();
  }

  /** Stops polling, waiting for a running check. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
  }

  private files(): string[] {
    const { certFile, keyFile, caFile } = this.options;
    return caFile === undefined ? [certFile, keyFile] : [certFile, keyFile, caFile];
  }

  private async readStamp(): Promise<string> {
    const stats = await Promise.all(this.files().map((f) => stat(f)));
    return stats.map((s) => `${s.mtimeMs}/${s.ino}/${s.size}`).join(',');
  }

  private async readMaterial(): Promise<TlsMaterial> {
    const [cert, key, caBundle] = await Promise.all(this.files().map((f) => readFile(f, 'utf8')));
    return { cert: cert ?? '', key: key ?? '', ...(caBundle === undefined ? {} : { caBundle }) };
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll().finally(() => this.schedule());
    }, this.options.pollIntervalMs ?? 10_000);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    try {
      const stamp = await this.readStamp();
      if (stamp === this.stamp) return;
      const material = await this.readMaterial();
      const problem = checkMaterial(material, this.options);
      if (problem) {
        // Probably caught mid-update; the stamp is left as it was, so the next poll reads again.
        this.options.logger?.warn('certificate files changed but are not usable yet', { problem });
        return;
      }
      this.stamp = stamp;
      await this.adopt(material);
    } catch (err) {
      this.options.logger?.warn('cannot read certificate files', { error: (err as Error).message });
    }
  }

  private async adopt(material: TlsMaterial): Promise<void> {
    if (sameTlsMaterial(material, this.material)) return;
    this.material = material;
    this.options.logger?.info('loaded serving certificate from files', { certFile: this.options.certFile });
    try {
      await this.options.onChange?.(material);
    } catch (err) {
      this.options.logger?.error('a listener of webhook certificates failed', {
        error: (err as Error).message,
      });
    }
  }
}

/** Why `material` cannot be served, naming the file; undefined when it can. */
function checkMaterial(material: TlsMaterial, files: FileCertificatesOptions): string | undefined {
  try {
    new X509Certificate(material.cert);
  } catch {
    return `${files.certFile} holds no PEM certificate`;
  }
  if (!keyMatchesCertificate(material.key, material.cert)) {
    return `${files.keyFile} is not the private key of the certificate in ${files.certFile}`;
  }
  if (files.caFile !== undefined && !material.caBundle?.includes('-----BEGIN CERTIFICATE-----')) {
    return `${files.caFile} holds no PEM certificate`;
  }
  return undefined;
}
