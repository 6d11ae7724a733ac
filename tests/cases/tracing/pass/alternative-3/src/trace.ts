import { NodeSDK } from '@opentelemetry/sdk-node';
