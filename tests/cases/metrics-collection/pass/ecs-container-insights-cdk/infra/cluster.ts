import * as ecs from "aws-cdk-lib/aws-ecs";
import { Construct } from "constructs";

export function shopCluster(scope: Construct, vpc: any): ecs.Cluster {
  return new ecs.Cluster(scope, "ShopCluster", {
    vpc,
    containerInsightsV2: ecs.ContainerInsights.ENHANCED,
  });
}
