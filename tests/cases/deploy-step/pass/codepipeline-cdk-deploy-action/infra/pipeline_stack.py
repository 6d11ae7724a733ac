from aws_cdk import Stack
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions


class ShopPipeline(Stack):
    def __init__(self, scope, construct_id, deploy_group, project, **kwargs):
        super().__init__(scope, construct_id, **kwargs)
        source = codepipeline.Artifact()
        built = codepipeline.Artifact()
        codepipeline.Pipeline(self, "Pipeline", stages=[
            codepipeline.StageProps(stage_name="Source", actions=[
                actions.CodeStarConnectionsSourceAction(action_name="GitHub", owner="acme", repo="shop",
                                                        branch="main", connection_arn="arn:aws:x", output=source)]),
            codepipeline.StageProps(stage_name="Build", actions=[
                actions.CodeBuildAction(action_name="Build", project=project, input=source, outputs=[built])]),
            codepipeline.StageProps(stage_name="Deploy", actions=[
                actions.CodeDeployEcsDeployAction(action_name="BlueGreen", deployment_group=deploy_group,
                                                  task_definition_template_input=built,
                                                  app_spec_template_input=built)]),
        ])
