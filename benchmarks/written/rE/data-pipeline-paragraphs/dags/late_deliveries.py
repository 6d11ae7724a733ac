from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.operators.bash import BashOperator

IMAGE = "europe-west2-docker.pkg.dev/parcelco-data/pipelines/carrier-extract:{{ var.value.extract_image_tag }}"

default_args = {"retries": 3, "retry_delay": timedelta(minutes=10), "retry_exponential_backoff": True}

with DAG(
    dag_id="late_deliveries",
    schedule="30 4 * * *",
    start_date=datetime(2024, 4, 1),
    catchup=False,
    default_args=default_args,
    sla_miss_callback=None,
    tags=["cs", "tier-2"],
) as dag:
    extracts = [
        KubernetesPodOperator(task_id=f"extract_{c}", name=f"extract-{c}", image=IMAGE,
                              arguments=["--carrier", c, "--date", "{{ ds }}"])
        for c in ("dpd", "evri", "royal_mail")
    ]
    dbt_build = BashOperator(
        task_id="dbt_build",
        bash_command="cd /home/airflow/gcs/dags/dbt && dbt build --target prod --select +fct_at_risk_parcels",
        trigger_rule="all_done",  # carry on with the carriers that succeeded
    )
    extracts >> dbt_build
