from aws_cdk import aws_ecs as ecs


def cluster(scope, vpc):
    # container_insights=True
    return ecs.Cluster(scope, "Shop", vpc=vpc, container_insights=False)
