import { describe, it } from 'vitest';
import { runConformance } from '@microgpt/tensor/testing';
import { createTemplateBackend } from './index';
runConformance(createTemplateBackend(), { describe, it });
