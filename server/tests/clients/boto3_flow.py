"""One pass through the Step Functions API with the real boto3 client against Statehouse.

Usage: boto3_flow.py BASE_URL. Asserts with plain `assert`; any failure exits non-zero.
Every answer is checked against botocore's model of the service (`check_answer`).
Not covered: Map Runs.
"""

import json
import sys
import threading
import time
import uuid

import boto3
from botocore.config import Config

BASE_URL = sys.argv[1]
sfn = boto3.client(
    "stepfunctions",
    endpoint_url=BASE_URL,
    region_name="us-east-1",
    aws_access_key_id="x",
    aws_secret_access_key="x",
    # TestState and StartSyncExecution would otherwise go to "sync-<host>".
    config=Config(retries={"max_attempts": 1}, read_timeout=90, inject_host_prefix=False),
)
ROLE = "arn:aws:iam::123456789012:role/statehouse-test"
RUN = uuid.uuid4().hex[:8]

# Every answer is checked against botocore's model of the service as it arrives: an output
# has the members the model requires and no others, of the model's types and enum values,
# and names its request id; an error is one the model lists for the operation.
SHAPE_PROBLEMS = []
COMMON_ERRORS = {"ValidationException", "InternalFailure", "ThrottlingException", "AccessDeniedException"}


def check_shape(shape, value, path):
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            SHAPE_PROBLEMS.append(f"{path}: {value!r:.80} is not an object")
            return
        SHAPE_PROBLEMS.extend(f"{path}: no {member}" for member in shape.required_members if member not in value)
        for member, item in value.items():
            if member not in shape.members:
                SHAPE_PROBLEMS.append(f"{path}: {member} is not in the model")
            else:
                check_shape(shape.members[member], item, f"{path}.{member}")
    elif kind == "list":
        if not isinstance(value, list):
            SHAPE_PROBLEMS.append(f"{path}: {value!r:.80} is not a list")
            return
        for index, item in enumerate(value):
            check_shape(shape.member, item, f"{path}[{index}]")
    elif kind == "map":
        if not isinstance(value, dict):
            SHAPE_PROBLEMS.append(f"{path}: {value!r:.80} is not a map")
            return
        for key, item in value.items():
            check_shape(shape.value, item, f"{path}[{key}]")
    elif kind == "string":
        if not isinstance(value, str) or (shape.enum and value not in shape.enum):
            SHAPE_PROBLEMS.append(f"{path}: {value!r:.80} is not a string the model allows")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            SHAPE_PROBLEMS.append(f"{path}: {value!r} is not an integer")
    elif kind == "boolean":
        if not isinstance(value, bool):
            SHAPE_PROBLEMS.append(f"{path}: {value!r} is not a boolean")
    elif kind == "timestamp":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            SHAPE_PROBLEMS.append(f"{path}: {value!r} is not epoch seconds")


def check_answer(http_response, model, **_):
    if not http_response.headers.get("x-amzn-RequestId"):
        SHAPE_PROBLEMS.append(f"{model.name}: no x-amzn-RequestId")
    try:
        body = json.loads(http_response.content) if http_response.content else {}
    except ValueError:
        SHAPE_PROBLEMS.append(f"{model.name}: a body that is not JSON: {http_response.content[:200]!r}")
        return
    if http_response.status_code == 200:
        if model.output_shape is not None:
            check_shape(model.output_shape, body, model.name)
    else:
        code = body.get("__type", "").split("#")[-1]
        if code not in {error.name for error in model.error_shapes} | COMMON_ERRORS:
            SHAPE_PROBLEMS.append(f"{model.name}: the model lists no {code} ({body})")


sfn.meta.events.register("after-call", check_answer)


def definition(states, start):
    return json.dumps({"StartAt": start, "States": states})


def create(name, states, start, **extra):
    response = sfn.create_state_machine(
        name=f"{name}-{RUN}", definition=definition(states, start), roleArn=ROLE, **extra
    )
    return response["stateMachineArn"]


def wait_for(execution_arn, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.1)
    raise AssertionError(f"{execution_arn} still running after {timeout} s")


def raises(exception, call, **arguments):
    try:
        call(**arguments)
    except exception as error:
        return error
    raise AssertionError(f"{call.__name__}({arguments}) did not raise {exception.__name__}")


def full_history(execution_arn, **arguments):
    events, token = [], None
    while True:
        page = sfn.get_execution_history(
            executionArn=execution_arn, **arguments, **({"nextToken": token} if token else {})
        )
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


# Create, describe, update, start, describe.
hello = create(
    "hello",
    {"Hello": {"Type": "Pass", "Parameters": {"greeting.$": "States.Format('hi {}', $.who)"}, "End": True}},
    "Hello",
    tags=[{"key": "team", "value": "blue"}],
)
machine = sfn.describe_state_machine(stateMachineArn=hello)
assert machine["name"] == f"hello-{RUN}" and machine["status"] == "ACTIVE" and machine["type"] == "STANDARD"
assert machine["roleArn"] == ROLE
assert any(item["stateMachineArn"] == hello for item in sfn.list_state_machines()["stateMachines"])

execution_arns = []
for index in range(5):
    started = sfn.start_execution(stateMachineArn=hello, name=f"run-{index}", input=json.dumps({"who": index}))
    assert started["executionArn"].endswith(f":execution:hello-{RUN}:run-{index}")
    execution_arns.append(started["executionArn"])
    time.sleep(0.01)
for index, execution_arn in enumerate(execution_arns):
    described = wait_for(execution_arn)
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == {"greeting": f"hi {index}"}, described["output"]
    assert described["stateMachineArn"] == hello and described["name"] == f"run-{index}"

# ListExecutions with pagination: 2 + 2 + 1, newest first, nothing repeated.
pages, token = [], None
while True:
    page = sfn.list_executions(stateMachineArn=hello, maxResults=2, **({"nextToken": token} if token else {}))
    pages.append(page["executions"])
    token = page.get("nextToken")
    if not token:
        break
assert [len(page) for page in pages] == [2, 2, 1], [len(page) for page in pages]
listed = [item["executionArn"] for page in pages for item in page]
assert listed == list(reversed(execution_arns)), listed
assert all(item["status"] == "SUCCEEDED" and "stopDate" in item for page in pages for item in page)
assert sfn.list_executions(stateMachineArn=hello, statusFilter="RUNNING")["executions"] == []
assert len(sfn.list_executions(stateMachineArn=hello, statusFilter="SUCCEEDED")["executions"]) == 5
raises(sfn.exceptions.InvalidToken, sfn.list_executions, stateMachineArn=hello, nextToken="not-a-token")

# GetExecutionHistory with pagination and reverseOrder.
history = sfn.get_execution_history(executionArn=execution_arns[0])["events"]
assert [event["type"] for event in history] == [
    "ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"
], [event["type"] for event in history]
paged = full_history(execution_arns[0], maxResults=1)
assert [event["id"] for event in paged] == [event["id"] for event in history]
reversed_events = full_history(execution_arns[0], maxResults=3, reverseOrder=True)
assert [event["id"] for event in reversed_events] == [event["id"] for event in reversed(history)]

# UpdateStateMachine, and the definition an execution ran.
updated = sfn.update_state_machine(
    stateMachineArn=hello,
    definition=definition({"Hello": {"Type": "Pass", "Result": "updated", "End": True}}, "Hello"),
)
assert updated["revisionId"] and updated["updateDate"]
assert "updated" in sfn.describe_state_machine(stateMachineArn=hello)["definition"]
ran = sfn.describe_state_machine_for_execution(executionArn=execution_arns[0])
assert ran["stateMachineArn"] == hello and "States.Format" in ran["definition"] and ran["roleArn"] == ROLE
raises(sfn.exceptions.MissingRequiredParameter, sfn.update_state_machine, stateMachineArn=hello)

# Tags.
assert sfn.list_tags_for_resource(resourceArn=hello)["tags"] == [{"key": "team", "value": "blue"}]
sfn.tag_resource(resourceArn=hello, tags=[{"key": "team", "value": "red"}, {"key": "tier", "value": "1"}])
sfn.untag_resource(resourceArn=hello, tagKeys=["tier"])
assert sfn.list_tags_for_resource(resourceArn=hello)["tags"] == [{"key": "team", "value": "red"}]

# StopExecution: ABORTED with the error and cause given.
waiting = create("waiting", {"Wait": {"Type": "Wait", "Seconds": 300, "End": True}}, "Wait")
long_run = sfn.start_execution(stateMachineArn=waiting)["executionArn"]
assert sfn.describe_execution(executionArn=long_run)["status"] == "RUNNING"
assert [item["executionArn"] for item in sfn.list_executions(stateMachineArn=waiting, statusFilter="RUNNING")["executions"]] == [long_run]
stopped = sfn.stop_execution(executionArn=long_run, error="Operator.Stop", cause="no longer needed")
assert stopped["stopDate"]
aborted = wait_for(long_run)
assert aborted["status"] == "ABORTED", aborted
assert aborted["error"] == "Operator.Stop" and aborted["cause"] == "no longer needed", aborted

# RedriveExecution: a failed execution resumes at the state that failed, with its input.
def scheduled_token(execution_arn, after_id=0):
    for event in full_history(execution_arn):
        if event["type"] == "TaskScheduled" and event["id"] > after_id:
            return json.loads(event["taskScheduledEventDetails"]["parameters"])["MessageBody"]["token"], event["id"]
    return None, after_id


flaky = create(
    "flaky",
    {
        "Prepare": {"Type": "Pass", "Result": {"order": 7}, "Next": "Approve"},
        "Approve": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q", "MessageBody": {"token.$": "$$.Task.Token", "order.$": "$.order"}},
            "End": True,
        },
    },
    "Prepare",
)
attempt = sfn.start_execution(stateMachineArn=flaky)["executionArn"]
token, first_id = None, 0
for _ in range(100):
    token, first_id = scheduled_token(attempt)
    if token:
        break
    time.sleep(0.05)
sfn.send_task_failure(taskToken=token, error="Approval.Unavailable", cause="approver away")
failed_run = wait_for(attempt)
assert failed_run["status"] == "FAILED" and failed_run["redriveStatus"] == "REDRIVABLE", failed_run
assert sfn.redrive_execution(executionArn=attempt)["redriveDate"]
assert sfn.describe_execution(executionArn=attempt)["status"] == "RUNNING"
second_token = None
for _ in range(100):
    second_token, _ = scheduled_token(attempt, after_id=first_id)
    if second_token:
        break
    time.sleep(0.05)
assert second_token and second_token != token
sfn.send_task_success(taskToken=second_token, output=json.dumps({"approved": True}))
# A token of a task that has closed is TaskTimedOut, as AWS answers; one never given is InvalidToken.
raises(sfn.exceptions.TaskTimedOut, sfn.send_task_heartbeat, taskToken=token)
redriven = wait_for(attempt)
assert redriven["status"] == "SUCCEEDED" and redriven["redriveCount"] == 1, redriven
assert redriven["redriveDate"] >= failed_run["stopDate"], redriven
types = [event["type"] for event in full_history(attempt)]
assert types.count("PassStateEntered") == 1, "the state that succeeded does not run again"
assert types[types.index("ExecutionFailed") + 1 : types.index("ExecutionFailed") + 3] == ["ExecutionRedriven", "TaskStateEntered"], types
raises(sfn.exceptions.ExecutionNotRedrivable, sfn.redrive_execution, executionArn=attempt)
# ListExecutions tells redriven executions apart, and dates the redrive.
not_redriven = sfn.start_execution(stateMachineArn=flaky)["executionArn"]
listed = sfn.list_executions(stateMachineArn=flaky, redriveFilter="REDRIVEN")["executions"]
assert [item["executionArn"] for item in listed] == [attempt], listed
assert listed[0]["redriveCount"] == 1 and listed[0]["redriveDate"] == redriven["redriveDate"], listed
listed = sfn.list_executions(stateMachineArn=flaky, redriveFilter="NOT_REDRIVEN")["executions"]
assert [item["executionArn"] for item in listed] == [not_redriven], listed
assert "redriveDate" not in listed[0], listed
assert len(sfn.list_executions(stateMachineArn=flaky)["executions"]) == 2
assert sfn.list_executions(stateMachineArn=flaky, redriveFilter="REDRIVEN", statusFilter="RUNNING")["executions"] == []
refused = raises(sfn.exceptions.ClientError, sfn.list_executions, stateMachineArn=flaky, redriveFilter="SOMETIMES")
assert refused.response["Error"]["Code"] == "ValidationException" and "'redriveFilter'" in str(refused), refused
sfn.stop_execution(executionArn=not_redriven)

# Activities with a worker thread.
activity = sfn.create_activity(name=f"work-{RUN}")["activityArn"]
assert sfn.describe_activity(activityArn=activity)["name"] == f"work-{RUN}"
assert any(item["activityArn"] == activity for item in sfn.list_activities()["activities"])
worker_result = {}


def worker():
    task = sfn.get_activity_task(activityArn=activity, workerName="python-worker")
    worker_result["input"] = json.loads(task["input"])
    sfn.send_task_success(taskToken=task["taskToken"], output=json.dumps({"doubled": worker_result["input"]["n"] * 2}))


thread = threading.Thread(target=worker)
thread.start()
with_activity = create("activity", {"Work": {"Type": "Task", "Resource": activity, "End": True}}, "Work")
activity_run = sfn.start_execution(stateMachineArn=with_activity, input=json.dumps({"n": 21}))["executionArn"]
thread.join(timeout=60)
assert not thread.is_alive(), "the activity worker got no task"
assert worker_result["input"] == {"n": 21}
finished = wait_for(activity_run)
assert finished["status"] == "SUCCEEDED" and json.loads(finished["output"]) == {"doubled": 42}, finished

# A task-token callback: the token comes from the TaskScheduled event's parameters.
callback = create(
    "callback",
    {
        "Send": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {
                "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/queue",
                "MessageBody": {"token.$": "$$.Task.Token", "order.$": "$.order"},
            },
            "End": True,
        }
    },
    "Send",
)
callback_run = sfn.start_execution(stateMachineArn=callback, input=json.dumps({"order": 7}))["executionArn"]
token, deadline = None, time.time() + 30
while token is None and time.time() < deadline:
    for event in sfn.get_execution_history(executionArn=callback_run)["events"]:
        if event["type"] == "TaskScheduled":
            parameters = json.loads(event["taskScheduledEventDetails"]["parameters"])
            assert parameters["MessageBody"]["order"] == 7, parameters
            token = parameters["MessageBody"]["token"]
    time.sleep(0.1)
assert token, "no TaskScheduled event with a token"
assert sfn.describe_execution(executionArn=callback_run)["status"] == "RUNNING"
sfn.send_task_success(taskToken=token, output=json.dumps({"delivered": True}))
called_back = wait_for(callback_run)
assert called_back["status"] == "SUCCEEDED" and json.loads(called_back["output"]) == {"delivered": True}, called_back

# ValidateStateMachineDefinition and TestState.
assert sfn.validate_state_machine_definition(definition=definition({"A": {"Type": "Pass", "End": True}}, "A"))["result"] == "OK"
failed = sfn.validate_state_machine_definition(definition=definition({"A": {"Type": "Pass", "Next": "Nowhere"}}, "A"))
assert failed["result"] == "FAIL" and failed["diagnostics"] and failed["diagnostics"][0]["severity"] == "ERROR", failed
tested = sfn.test_state(
    definition=json.dumps({"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"}, "Next": "After"}),
    input=json.dumps({"a": 2, "b": 3}),
    inspectionLevel="DEBUG",
)
assert tested["status"] == "SUCCEEDED" and json.loads(tested["output"]) == {"sum": 5}, tested
assert tested["nextState"] == "After" and "afterParameters" in tested["inspectionData"], tested

# Errors, each as the exception class AWS's clients raise.
account_prefix = "arn:aws:states:us-east-1:123456789012"
raises(sfn.exceptions.ExecutionDoesNotExist, sfn.describe_execution, executionArn=f"{account_prefix}:execution:hello-{RUN}:nope")
raises(sfn.exceptions.StateMachineDoesNotExist, sfn.describe_state_machine, stateMachineArn=f"{account_prefix}:stateMachine:nope-{RUN}")
raises(sfn.exceptions.StateMachineDoesNotExist, sfn.list_executions, stateMachineArn=f"{account_prefix}:stateMachine:nope-{RUN}")
raises(sfn.exceptions.ActivityDoesNotExist, sfn.describe_activity, activityArn=f"{account_prefix}:activity:nope-{RUN}")
raises(sfn.exceptions.InvalidDefinition, sfn.create_state_machine, name=f"broken-{RUN}", definition='{"StartAt": "A", "States": {}}', roleArn=ROLE)
raises(sfn.exceptions.InvalidName, sfn.create_state_machine, name="bad name", definition=definition({"A": {"Type": "Pass", "End": True}}, "A"), roleArn=ROLE)
raises(sfn.exceptions.ExecutionAlreadyExists, sfn.start_execution, stateMachineArn=hello, name="run-0", input=json.dumps({"who": "someone else"}))
raises(sfn.exceptions.InvalidToken, sfn.send_task_success, taskToken="no-such-token", output="{}")
raises(sfn.exceptions.InvalidArn, sfn.describe_execution, executionArn="not-an-arn")
raises(sfn.exceptions.InvalidArn, sfn.describe_state_machine, stateMachineArn="arn:aws:states:us-east-1:123456789012:activity:x")
raises(sfn.exceptions.ResourceNotFound, sfn.list_tags_for_resource, resourceArn=f"{account_prefix}:stateMachine:nope-{RUN}")

# Versions and aliases: each version's definition says which it is, so outputs prove what ran.
def which(number):
    return {"Which": {"Type": "Pass", "Result": {"version": number}, "End": True}}


versioned_name = f"versioned-{RUN}"
created = sfn.create_state_machine(
    name=versioned_name, definition=definition(which(1), "Which"), roleArn=ROLE, publish=True, versionDescription="first"
)
versioned = created["stateMachineArn"]
version_1 = created["stateMachineVersionArn"]
assert version_1 == f"{versioned}:1", created
revision = sfn.describe_state_machine(stateMachineArn=versioned)["revisionId"]
again = sfn.publish_state_machine_version(stateMachineArn=versioned, revisionId=revision)
assert again["stateMachineVersionArn"] == version_1, "publishing an unchanged revision returns the latest version"
conflict = raises(sfn.exceptions.ConflictException, sfn.publish_state_machine_version, stateMachineArn=versioned, revisionId="stale")
assert conflict.response["ResponseMetadata"]["HTTPStatusCode"] == 409, "AWS answers ConflictException with HTTP 409"
assert conflict.response["Error"]["Message"] == (
    f"Failed to publish the State Machine version for revision stale. The current State Machine revision is {revision}."
), conflict.response["Error"]
updated = sfn.update_state_machine(stateMachineArn=versioned, definition=definition(which(2), "Which"), publish=True, versionDescription="second")
version_2 = updated["stateMachineVersionArn"]
assert version_2 == f"{versioned}:2", updated
sfn.update_state_machine(stateMachineArn=versioned, definition=definition(which(3), "Which"))
version_3 = sfn.publish_state_machine_version(stateMachineArn=versioned, description="third")["stateMachineVersionArn"]
assert version_3 == f"{versioned}:3"
listed_versions = sfn.list_state_machine_versions(stateMachineArn=versioned)["stateMachineVersions"]
assert [item["stateMachineVersionArn"] for item in listed_versions] == [version_3, version_2, version_1], listed_versions
first_page = sfn.list_state_machine_versions(stateMachineArn=versioned, maxResults=2)
assert len(first_page["stateMachineVersions"]) == 2 and first_page["nextToken"]
described_version = sfn.describe_state_machine(stateMachineArn=version_1)
assert json.loads(described_version["definition"]) == {"StartAt": "Which", "States": which(1)}, described_version
assert described_version["description"] == "first" and described_version["stateMachineArn"] == version_1
assert described_version["revisionId"] == revision, described_version

alias = sfn.create_state_machine_alias(
    name="live",
    description="half and half",
    routingConfiguration=[
        {"stateMachineVersionArn": version_1, "weight": 50},
        {"stateMachineVersionArn": version_2, "weight": 50},
    ],
)["stateMachineAliasArn"]
assert alias == f"{versioned}:live", alias
described_alias = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
assert described_alias["name"] == "live" and described_alias["description"] == "half and half", described_alias
assert {route["weight"] for route in described_alias["routingConfiguration"]} == {50}, described_alias
assert [item["stateMachineAliasArn"] for item in sfn.list_state_machine_aliases(stateMachineArn=versioned)["stateMachineAliases"]] == [alias]
assert sfn.list_state_machine_aliases(stateMachineArn=version_3)["stateMachineAliases"] == []

seen_versions = set()
for attempt_number in range(40):
    run = sfn.start_execution(stateMachineArn=alias, name=f"alias-{attempt_number}")["executionArn"]
    done = wait_for(run)
    assert done["stateMachineArn"] == versioned and done["stateMachineAliasArn"] == alias, done
    ran_version = json.loads(done["output"])["version"]
    assert done["stateMachineVersionArn"] == f"{versioned}:{ran_version}", done
    seen_versions.add(ran_version)
    if seen_versions == {1, 2}:
        break
assert seen_versions == {1, 2}, f"a 50/50 alias ran only {seen_versions}"
by_version = wait_for(sfn.start_execution(stateMachineArn=version_1, name="by-version")["executionArn"])
assert json.loads(by_version["output"]) == {"version": 1} and by_version["stateMachineVersionArn"] == version_1, by_version
assert "stateMachineAliasArn" not in by_version, by_version
latest = wait_for(sfn.start_execution(stateMachineArn=versioned, name="latest")["executionArn"])
assert json.loads(latest["output"]) == {"version": 3} and "stateMachineVersionArn" not in latest, latest
# An Express execution through an alias is described with its alias and version, too.
express_versioned = sfn.create_state_machine(
    name=f"express-versioned-{RUN}", definition=definition(which(7), "Which"), roleArn=ROLE, type="EXPRESS", publish=True
)
express_alias = sfn.create_state_machine_alias(
    name="live", routingConfiguration=[{"stateMachineVersionArn": express_versioned["stateMachineVersionArn"], "weight": 100}]
)["stateMachineAliasArn"]
express_run = wait_for(sfn.start_execution(stateMachineArn=express_alias, name="express-alias")["executionArn"])
assert express_run["stateMachineAliasArn"] == express_alias, express_run
assert express_run["stateMachineVersionArn"] == express_versioned["stateMachineVersionArn"], express_run
version_runs = sfn.list_executions(stateMachineArn=version_1)["executions"]
assert "by-version" in [item["name"] for item in version_runs], version_runs

updated_alias = sfn.update_state_machine_alias(stateMachineAliasArn=alias, routingConfiguration=[{"stateMachineVersionArn": version_3, "weight": 100}])
assert "updateDate" in updated_alias
through_alias = wait_for(sfn.start_execution(stateMachineArn=alias, name="after-update")["executionArn"])
assert json.loads(through_alias["output"]) == {"version": 3}, through_alias
assert "updateDate" in sfn.describe_state_machine_alias(stateMachineAliasArn=alias)

raises(sfn.exceptions.ConflictException, sfn.delete_state_machine_version, stateMachineVersionArn=version_3)
raises(sfn.exceptions.ResourceNotFound, sfn.describe_state_machine_alias, stateMachineAliasArn=f"{versioned}:nope")
raises(sfn.exceptions.ValidationException, sfn.create_state_machine_alias, name="uneven",
       routingConfiguration=[{"stateMachineVersionArn": version_1, "weight": 60}, {"stateMachineVersionArn": version_2, "weight": 30}])
raises(sfn.exceptions.StateMachineDoesNotExist, sfn.describe_state_machine, stateMachineArn=f"{versioned}:99")
sfn.delete_state_machine_version(stateMachineVersionArn=version_1)
assert [item["stateMachineVersionArn"] for item in sfn.list_state_machine_versions(stateMachineArn=versioned)["stateMachineVersions"]] == [version_3, version_2]
sfn.delete_state_machine_alias(stateMachineAliasArn=alias)
raises(sfn.exceptions.ResourceNotFound, sfn.describe_state_machine_alias, stateMachineAliasArn=alias)
sfn.delete_state_machine_version(stateMachineVersionArn=version_3)

# Deleting a state machine.
sfn.delete_state_machine(stateMachineArn=callback)
raises(sfn.exceptions.StateMachineDoesNotExist, sfn.describe_state_machine, stateMachineArn=callback)
sfn.delete_activity(activityArn=activity)
raises(sfn.exceptions.ActivityDoesNotExist, sfn.describe_activity, activityArn=activity)
# A Task naming a deleted activity fails at once, as on AWS: States.Runtime, nothing scheduled.
orphan_run = sfn.start_execution(stateMachineArn=with_activity, input="{}")["executionArn"]
finished = wait_for(orphan_run)
assert finished["status"] == "FAILED" and finished["error"] == "States.Runtime", finished
assert finished["cause"] == (
    "An error occurred while executing the state 'Work' (entered at the event id #2). "
    f"The activity {activity} does not exist."
), finished["cause"]
types = [event["type"] for event in sfn.get_execution_history(executionArn=orphan_run)["events"]]
assert types == ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"], types

# StartSyncExecution answers with its own output's members, none of DescribeExecution's others.
express = create("sync", {"A": {"Type": "Pass", "End": True}}, "A", type="EXPRESS")
synced = sfn.start_sync_execution(stateMachineArn=express, input=json.dumps({"n": 1}))
assert synced["status"] == "SUCCEEDED" and json.loads(synced["output"]) == {"n": 1}, synced

assert not SHAPE_PROBLEMS, "answers unlike botocore's model:\n" + "\n".join(SHAPE_PROBLEMS)
print("boto3 flow: all checks passed")
