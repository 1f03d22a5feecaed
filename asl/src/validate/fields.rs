//! Which fields each state type accepts, in which query language, and the ASL vocabularies
//! (state types, comparison operators, service integrations).

/// The eight state types.
pub const STATE_TYPES: &[&str] = &["Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"];

/// Fields every state accepts.
pub(super) const COMMON: &[&str] = &["Type", "Comment", "QueryLanguage"];

/// Fields a state of `state_type` accepts in either query language (without [`COMMON`]).
pub fn state_fields(state_type: &str) -> &'static [&'static str] {
    match state_type {
        "Pass" => &["Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "Result", "Assign", "Output"],
        "Task" => &[
            "Next",
            "End",
            "Resource",
            "InputPath",
            "OutputPath",
            "ResultPath",
            "Parameters",
            "ResultSelector",
            "Retry",
            "Catch",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Credentials",
            "Assign",
            "Arguments",
            "Output",
        ],
        "Choice" => &["Choices", "Default", "InputPath", "OutputPath", "Assign", "Output"],
        "Wait" => &[
            "Next",
            "End",
            "Seconds",
            "Timestamp",
            "SecondsPath",
            "TimestampPath",
            "InputPath",
            "OutputPath",
            "Assign",
            "Output",
        ],
        "Succeed" => &["InputPath", "OutputPath", "Output"],
        "Fail" => &["Error", "Cause", "ErrorPath", "CausePath"],
        "Parallel" => &[
            "Branches",
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "ResultPath",
            "Parameters",
            "ResultSelector",
            "Retry",
            "Catch",
            "Assign",
            "Arguments",
            "Output",
        ],
        "Map" => &[
            "ItemProcessor",
            "Iterator",
            "ItemsPath",
            "Items",
            "ItemSelector",
            "Parameters",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "Label",
            "ResultPath",
            "ResultSelector",
            "InputPath",
            "OutputPath",
            "Retry",
            "Catch",
            "Next",
            "End",
            "Assign",
            "Output",
        ],
        _ => &[],
    }
}

/// Whether `field` is accepted by every state (Type, Comment, QueryLanguage).
pub fn is_common(field: &str) -> bool {
    COMMON.contains(&field)
}

/// Whether `field` is a field somewhere in the language: of a state type, the machine, a
/// retrier, a catcher or a Choice rule.
pub(super) fn is_asl_field(field: &str) -> bool {
    const OTHERS: &[&str] = &[
        "ErrorEquals",
        "IntervalSeconds",
        "MaxAttempts",
        "MaxDelaySeconds",
        "BackoffRate",
        "JitterStrategy",
        "Variable",
        "And",
        "Or",
        "Not",
        "Condition",
        "StartAt",
        "States",
        "Version",
    ];
    COMMON.contains(&field)
        || OTHERS.contains(&field)
        || COMPARISON_OPERATORS.contains(&field)
        || super::STATE_TYPES.iter().any(|state_type| state_fields(state_type).contains(&field))
}

/// Fields that exist only in the JSONPath query language.
pub const JSONPATH_ONLY: &[&str] = &[
    "InputPath",
    "OutputPath",
    "ResultPath",
    "Parameters",
    "ResultSelector",
    "Result",
    "ItemsPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "SecondsPath",
    "TimestampPath",
    "ErrorPath",
    "CausePath",
    "MaxConcurrencyPath",
    "ToleratedFailurePercentagePath",
    "ToleratedFailureCountPath",
    "Iterator",
];

/// Fields that exist only in the JSONata query language.
pub const JSONATA_ONLY: &[&str] = &["Arguments", "Output", "Items"];

/// Groups of fields of which a state may carry at most one.
pub const EXCLUSIVE: &[&[&str]] = &[
    &["Next", "End"],
    &["TimeoutSeconds", "TimeoutSecondsPath"],
    &["HeartbeatSeconds", "HeartbeatSecondsPath"],
    &["Seconds", "Timestamp", "SecondsPath", "TimestampPath"],
    &["Error", "ErrorPath"],
    &["Cause", "CausePath"],
    &["ItemProcessor", "Iterator"],
    &["ItemSelector", "Parameters"],
    &["MaxConcurrency", "MaxConcurrencyPath"],
    &["ToleratedFailurePercentage", "ToleratedFailurePercentagePath"],
    &["ToleratedFailureCount", "ToleratedFailureCountPath"],
    &["ItemsPath", "Items"],
];

/// Choice comparison operators and the kind of value each takes.
pub fn comparison_kind(operator: &str) -> Option<ComparisonKind> {
    use ComparisonKind::*;
    Some(match operator {
        "StringEquals"
        | "StringLessThan"
        | "StringGreaterThan"
        | "StringLessThanEquals"
        | "StringGreaterThanEquals"
        | "StringMatches" => String,
        "NumericEquals"
        | "NumericLessThan"
        | "NumericGreaterThan"
        | "NumericLessThanEquals"
        | "NumericGreaterThanEquals" => Number,
        "BooleanEquals" => Boolean,
        "TimestampEquals"
        | "TimestampLessThan"
        | "TimestampGreaterThan"
        | "TimestampLessThanEquals"
        | "TimestampGreaterThanEquals" => Timestamp,
        "StringEqualsPath"
        | "StringLessThanPath"
        | "StringGreaterThanPath"
        | "StringLessThanEqualsPath"
        | "StringGreaterThanEqualsPath"
        | "NumericEqualsPath"
        | "NumericLessThanPath"
        | "NumericGreaterThanPath"
        | "NumericLessThanEqualsPath"
        | "NumericGreaterThanEqualsPath"
        | "BooleanEqualsPath"
        | "TimestampEqualsPath"
        | "TimestampLessThanPath"
        | "TimestampGreaterThanPath"
        | "TimestampLessThanEqualsPath"
        | "TimestampGreaterThanEqualsPath" => Path,
        "IsNull" | "IsPresent" | "IsNumeric" | "IsString" | "IsBoolean" | "IsTimestamp" => Boolean,
        _ => return None,
    })
}

/// Every Choice comparison operator, each with its [`comparison_kind`].
pub const COMPARISON_OPERATORS: &[&str] = &[
    "StringEquals",
    "StringLessThan",
    "StringGreaterThan",
    "StringLessThanEquals",
    "StringGreaterThanEquals",
    "StringMatches",
    "NumericEquals",
    "NumericLessThan",
    "NumericGreaterThan",
    "NumericLessThanEquals",
    "NumericGreaterThanEquals",
    "BooleanEquals",
    "TimestampEquals",
    "TimestampLessThan",
    "TimestampGreaterThan",
    "TimestampLessThanEquals",
    "TimestampGreaterThanEquals",
    "StringEqualsPath",
    "StringLessThanPath",
    "StringGreaterThanPath",
    "StringLessThanEqualsPath",
    "StringGreaterThanEqualsPath",
    "NumericEqualsPath",
    "NumericLessThanPath",
    "NumericGreaterThanPath",
    "NumericLessThanEqualsPath",
    "NumericGreaterThanEqualsPath",
    "BooleanEqualsPath",
    "TimestampEqualsPath",
    "TimestampLessThanPath",
    "TimestampGreaterThanPath",
    "TimestampLessThanEqualsPath",
    "TimestampGreaterThanEqualsPath",
    "IsNull",
    "IsPresent",
    "IsNumeric",
    "IsString",
    "IsBoolean",
    "IsTimestamp",
];

/// What a Choice comparison operator compares against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComparisonKind {
    /// A string literal.
    String,
    /// A number literal.
    Number,
    /// `true` or `false`.
    Boolean,
    /// An RFC 3339 timestamp string.
    Timestamp,
    /// A reference path to the value to compare with.
    Path,
}

const NONE: Patterns = Patterns { sync: false, sync2: false, wait_for_task_token: false };
const TOKEN: Patterns = Patterns { sync: false, sync2: false, wait_for_task_token: true };
const SYNC: Patterns = Patterns { sync: true, sync2: false, wait_for_task_token: false };
const SYNC_TOKEN: Patterns = Patterns { sync: true, sync2: false, wait_for_task_token: true };
const ALL: Patterns = Patterns { sync: true, sync2: true, wait_for_task_token: true };

/// Optimised service integrations (`arn:aws:states:::SERVICE:ACTION`): each service, its
/// actions, and the integration patterns they support beyond request-response.
const INTEGRATIONS: &[(&str, &[&str], Patterns)] = &[
    ("lambda", &["invoke"], TOKEN),
    ("sns", &["publish"], TOKEN),
    ("sqs", &["sendMessage"], TOKEN),
    ("events", &["putEvents"], TOKEN),
    ("apigateway", &["invoke"], TOKEN),
    ("dynamodb", &["getItem", "putItem", "updateItem", "deleteItem"], NONE),
    ("states", &["startExecution"], ALL),
    ("ecs", &["runTask"], SYNC_TOKEN),
    ("batch", &["submitJob"], SYNC),
    ("glue", &["startJobRun"], SYNC),
    ("athena", &["startQueryExecution"], SYNC),
    ("athena", &["stopQueryExecution", "getQueryExecution", "getQueryResults"], NONE),
    ("codebuild", &["startBuild", "startBuildBatch", "retryBuild", "retryBuildBatch"], SYNC),
    ("codebuild", &["stopBuild", "stopBuildBatch", "batchDeleteBuilds", "batchGetReports", "deleteBuildBatch"], NONE),
    (
        "sagemaker",
        &[
            "createTrainingJob",
            "createTransformJob",
            "createProcessingJob",
            "createHyperParameterTuningJob",
            "createLabelingJob",
        ],
        SYNC,
    ),
    ("sagemaker", &["createModel", "createEndpoint", "createEndpointConfig", "updateEndpoint"], NONE),
    ("elasticmapreduce", &["createCluster", "terminateCluster", "addStep"], SYNC),
    (
        "elasticmapreduce",
        &["cancelStep", "setClusterTerminationProtection", "modifyInstanceFleetByName", "modifyInstanceGroupByName"],
        NONE,
    ),
    ("emr-containers", &["startJobRun", "deleteVirtualCluster"], SYNC),
    ("emr-containers", &["createVirtualCluster"], NONE),
    (
        "emr-serverless",
        &[
            "createApplication",
            "startApplication",
            "stopApplication",
            "deleteApplication",
            "startJobRun",
            "cancelJobRun",
        ],
        SYNC,
    ),
    (
        "eks",
        &[
            "createCluster",
            "deleteCluster",
            "createNodegroup",
            "deleteNodegroup",
            "createFargateProfile",
            "deleteFargateProfile",
            "runJob",
        ],
        SYNC,
    ),
    ("eks", &["call"], NONE),
    ("databrew", &["startJobRun"], SYNC),
    ("mediaconvert", &["createJob"], SYNC),
    ("bedrock", &["invokeModel"], NONE),
    ("bedrock", &["createModelCustomizationJob"], SYNC),
    ("http", &["invoke"], NONE),
    // Distributed Map's ItemReader and ResultWriter.
    ("s3", &["getObject", "listObjectsV2", "putObject"], NONE),
];

/// The integration patterns of an optimised service integration's action, if it is one.
pub fn service_integration(service: &str, action: &str) -> Option<Patterns> {
    INTEGRATIONS
        .iter()
        .find(|(known, actions, _)| *known == service && actions.contains(&action))
        .map(|(_, _, patterns)| *patterns)
}

/// Every `SERVICE:ACTION` and `SERVICE:ACTION.PATTERN` an optimised integration accepts.
pub fn service_integration_resources() -> impl Iterator<Item = String> {
    INTEGRATIONS.iter().flat_map(|(service, actions, patterns)| {
        actions.iter().flat_map(move |action| {
            let suffixes = [
                ("", true),
                (".sync", patterns.sync),
                (".sync:2", patterns.sync2),
                (".waitForTaskToken", patterns.wait_for_task_token),
            ];
            suffixes
                .into_iter()
                .filter(|(_, supported)| *supported)
                .map(move |(suffix, _)| format!("{service}:{action}{suffix}"))
        })
    })
}

/// The integration patterns a service action supports beyond request-response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Patterns {
    /// `.sync`
    pub sync: bool,
    /// `.sync:2`
    pub sync2: bool,
    /// `.waitForTaskToken`
    pub wait_for_task_token: bool,
}
