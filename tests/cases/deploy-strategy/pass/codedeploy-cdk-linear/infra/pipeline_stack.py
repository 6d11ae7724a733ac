from aws_cdk import Stack
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions


class ShopPipeline(Stack):
    def __init__(self, scope, construct_id, service, listeners, **kwargs):
        super().__init__(scope, construct_id, **kwargs)
        source_output = codepipeline.Artifact()
        build_output = codepipeline.Artifact()

        group = codedeploy.EcsDeploymentGroup(
            self, "WebGroup",
            service=service,
            blue_green_deployment_config=codedeploy.EcsBlueGreenDeploymentConfig(**listeners),
            deployment_config=codedeploy.EcsDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTES,
        )

        codepipeline.Pipeline(self, "Pipeline", stages=[
            codepipeline.StageProps(stage_name="Source", actions=[
                actions.GitHubSourceAction(action_name="Source", owner="acme", repo="shop", branch="main",
                                           oauth_token=self.token, output=source_output)]),
            codepipeline.StageProps(stage_name="Build", actions=[
                actions.CodeBuildAction(action_name="Build", project=self.project, input=source_output,
                                        outputs=[build_output])]),
            codepipeline.StageProps(stage_name="Deploy", actions=[
                actions.CodeDeployEcsDeployAction(action_name="Deploy", deployment_group=group,
                                                  app_spec_template_input=build_output,
                                                  task_definition_template_input=build_output)]),
        ])
