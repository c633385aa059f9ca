/** The errors the agent throws; their names are the contract's AGENT_ERRORS (Lambda's errorType). */
import { AGENT_ERRORS } from "../contract";

/** The API key is missing, empty, unreadable, or rejected by the endpoint. */
export class AgentConfigurationError extends Error {
  override name = AGENT_ERRORS.configuration;
}

/** The model endpoint failed, timed out, refused the request or gave no reply. */
export class UpstreamModelError extends Error {
  override name = AGENT_ERRORS.upstream;
}

/** The agent was invoked with something that is not an AgentRequest. */
export class InvalidAgentRequest extends Error {
  override name = AGENT_ERRORS.request;
}
