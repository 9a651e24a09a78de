export { buildImageScanPolicies, CLAIR_SCAN_INTENTS } from './image-scan-policy.js';
export {
  DEFAULT_RESCAN_INTERVAL,
  MAX_RESCAN_INTERVAL_SECONDS,
  MIN_RESCAN_INTERVAL_SECONDS,
  SCAN_PARAMS,
  type ScanParams,
  scanParams,
} from './params.js';
