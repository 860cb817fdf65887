// Public surface of @microgpt/backend-template.
export { type TemplateBackendOptions, createTemplateBackend } from './backend';
