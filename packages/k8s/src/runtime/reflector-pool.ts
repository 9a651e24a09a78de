import type { KubernetesObject } from '@kubernetes/client-node';
import type { ApiServerAccess } from '../cluster-connection.js';
import { Reflector, type ReflectorOptions } from './reflector.js';
import type { ResourceType } from './resource.js';

/**
 * One {@link Reflector} per resource type, shared by every controller of a process: each resource is
 * listed and watched once and cached once, however many controllers read it (controller-runtime's shared
 * informer cache). Controllers add their own change listeners to the shared reflectors.
 */
export class ReflectorPool {
  private readonly reflectors = new Map<string, Reflector<KubernetesObject>>();

  /**
   * @param kc - credentials and cluster.
   * @param options - options of every reflector in the pool.
   */
  constructor(
    private readonly kc: ApiServerAccess,
    private readonly options: ReflectorOptions = {},
  ) {}

  /** The reflector of `resource` (metadata only when asked), created on first use. */
  get<T extends KubernetesObject>(resource: ResourceType, metadataOnly = false): Reflector<T> {
    const id = `${resource.apiVersion}/${resource.kind}${metadataOnly ? '#metadata' : ''}`;
    let reflector = this.reflectors.get(id);
    if (!reflector) {
      reflector = new Reflector<KubernetesObject>(this.kc, resource, { ...this.options, metadataOnly });
      this.reflectors.set(id, reflector);
    }
    return reflector as unknown as Reflector<T>;
  }

  /** Stops every reflector of the pool. */
  async stop(): Promise<void> {
    await Promise.all([...this.reflectors.values()].map((r) => r.stop()));
  }
}
