// Registers cdktf's jest matchers (toHaveResourceWithProperties, ...) for the unit project.
import "cdktf/lib/testing/adapters/jest";
import { Testing } from "cdktf";

Testing.setupJest();
