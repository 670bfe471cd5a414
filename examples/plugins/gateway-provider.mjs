// A model provider from outside auditgym: a lab's own gateway that speaks the OpenAI chat format,
// under its own name, so specs can say `gateway:<model>`. Its endpoint and key come from the
// environment (GATEWAY_BASE_URL, GATEWAY_API_KEY), never from a spec file.
import { httpProvider } from 'auditgym';

export const gatewayProvider = httpProvider({
  name: 'gateway',
  version: '1.0.0',
  description: "the lab's model gateway (OpenAI chat format)",
  wire: 'openai',
  baseUrl: undefined,
  baseUrlEnv: 'GATEWAY_BASE_URL',
  keyEnv: 'GATEWAY_API_KEY',
  keyRequired: false,
  capabilities: ['chat', 'system-prompt'],
});

export function register(catalog) {
  catalog.providers.register(gatewayProvider);
}
