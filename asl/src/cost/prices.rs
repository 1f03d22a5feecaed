//! AWS's Step Functions price table, kept as data, and the two billing formulas (Standard per
//! state transition after the free tier, Express per request and per GB-hour in tiers).
//!
//! Sources, read 2026-11-21 through the search tool:
//! - Standard, every region below: the "State transitions pricing table" of
//!   <https://aws.amazon.com/step-functions/pricing/> (price per 1,000 state transitions), and
//!   the free tier of 4,000 state transitions a month stated on the same page ("does not
//!   automatically expire").
//! - Express, us-east-1 only: AWS's worked example on the same page ("If you run 100 million
//!   workflows each month, and the average duration of the workflows is 10 seconds"): $1.00 per
//!   million requests; $0.06000 per GB-hour for the first 1,000 GB-hours, $0.03000 for the next
//!   4,000, $0.01642 beyond (the per-GB-second figures $0.00001667, $0.00000833 and
//!   $0.00000456 are the same prices rounded; the GB-hour prices are the ones that reproduce
//!   AWS's $382.97 to the cent). The pricing page renders the other regions' Express prices
//!   client-side, so no stored copy has them: their Express estimate is `None`.

/// The Standard free tier: state transitions a month that cost nothing.
pub const STANDARD_FREE_TRANSITIONS_PER_MONTH: f64 = 4_000.0;

/// Express bills duration rounded up to this many milliseconds.
pub const EXPRESS_DURATION_STEP_MS: u64 = 100;

/// Express bills memory in steps of this many megabytes.
pub const EXPRESS_MEMORY_STEP_MB: u64 = 64;

/// One tier of Express duration pricing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DurationTier {
    /// GB-hours a month this tier covers (`None`: everything beyond the previous tiers).
    pub gb_hours: Option<f64>,
    /// USD per GB-hour in this tier.
    pub usd_per_gb_hour: f64,
}

/// Express prices of one region.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExpressPrices {
    /// USD per million requests (executions started).
    pub usd_per_million_requests: f64,
    /// Duration tiers, cheapest last.
    pub duration_tiers: &'static [DurationTier],
}

/// The prices of one region.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RegionPrices {
    /// The region code (`us-east-1`).
    pub region: &'static str,
    /// AWS's name for it (`US East (N. Virginia)`).
    pub name: &'static str,
    /// Standard: USD per 1,000 state transitions beyond the free tier.
    pub standard_usd_per_1000_transitions: f64,
    /// Express prices, where a source for them was found.
    pub express: Option<ExpressPrices>,
}

/// us-east-1's Express duration tiers (AWS's worked Express example).
const US_EAST_1_EXPRESS_TIERS: &[DurationTier] = &[
    DurationTier { gb_hours: Some(1_000.0), usd_per_gb_hour: 0.06 },
    DurationTier { gb_hours: Some(4_000.0), usd_per_gb_hour: 0.03 },
    DurationTier { gb_hours: None, usd_per_gb_hour: 0.01642 },
];

const US_EAST_1_EXPRESS: ExpressPrices =
    ExpressPrices { usd_per_million_requests: 1.0, duration_tiers: US_EAST_1_EXPRESS_TIERS };

const fn standard_only(region: &'static str, name: &'static str, per_1000: f64) -> RegionPrices {
    RegionPrices { region, name, standard_usd_per_1000_transitions: per_1000, express: None }
}

/// Every region with a recorded price (see the module doc for where each number came from).
pub const REGIONS: &[RegionPrices] = &[
    RegionPrices {
        region: "us-east-1",
        name: "US East (N. Virginia)",
        standard_usd_per_1000_transitions: 0.025,
        express: Some(US_EAST_1_EXPRESS),
    },
    standard_only("us-east-2", "US East (Ohio)", 0.025),
    standard_only("us-west-2", "US West (Oregon)", 0.025),
    standard_only("us-west-1", "US West (N. California)", 0.0279),
    standard_only("ca-central-1", "Canada (Central)", 0.025),
    standard_only("sa-east-1", "South America (Sao Paulo)", 0.0375),
    standard_only("us-gov-east-1", "AWS GovCloud (US-East)", 0.03),
    standard_only("us-gov-west-1", "AWS GovCloud (US-West)", 0.03),
    standard_only("eu-west-1", "Europe (Ireland)", 0.025),
    standard_only("eu-central-1", "Europe (Frankfurt)", 0.025),
    standard_only("eu-west-2", "Europe (London)", 0.025),
    standard_only("eu-west-3", "Europe (Paris)", 0.0297),
    standard_only("eu-north-1", "Europe (Stockholm)", 0.025),
    standard_only("ap-southeast-1", "Asia Pacific (Singapore)", 0.025),
    standard_only("ap-northeast-1", "Asia Pacific (Tokyo)", 0.025),
    standard_only("ap-southeast-2", "Asia Pacific (Sydney)", 0.025),
    standard_only("ap-northeast-2", "Asia Pacific (Seoul)", 0.0271),
    standard_only("ap-south-1", "Asia Pacific (Mumbai)", 0.0285),
];

/// The prices of `region` (a code such as `eu-west-1`), when recorded.
pub fn region(region: &str) -> Option<&'static RegionPrices> {
    REGIONS.iter().find(|prices| prices.region == region)
}

impl RegionPrices {
    /// Standard's monthly cost of `transitions` state transitions, before the free tier.
    pub fn standard_cost_before_free_tier(&self, transitions: f64) -> f64 {
        transitions * self.standard_usd_per_1000_transitions / 1_000.0
    }

    /// Standard's monthly cost of `transitions` state transitions after the free tier.
    pub fn standard_cost(&self, transitions: f64) -> f64 {
        self.standard_cost_before_free_tier((transitions - STANDARD_FREE_TRANSITIONS_PER_MONTH).max(0.0))
    }
}

impl ExpressPrices {
    /// The monthly request charge for `requests` executions started.
    pub fn request_cost(&self, requests: f64) -> f64 {
        requests * self.usd_per_million_requests / 1_000_000.0
    }

    /// The monthly duration charge for `gb_hours`, tier by tier.
    pub fn duration_cost(&self, gb_hours: f64) -> f64 {
        let mut left = gb_hours;
        let mut cost = 0.0;
        for tier in self.duration_tiers {
            let in_tier = match tier.gb_hours {
                Some(size) => left.min(size),
                None => left,
            };
            cost += in_tier * tier.usd_per_gb_hour;
            left -= in_tier;
            if left <= 0.0 {
                break;
            }
        }
        cost
    }
}

/// Express's billed duration of one execution: rounded up to 100 ms, at least 100 ms.
pub fn billed_duration_ms(duration_seconds: f64) -> u64 {
    let milliseconds = (duration_seconds * 1_000.0).max(0.0);
    // Clear float noise (10 s may arrive as 10_000.000000001 ms) before rounding up.
    let steps = ((milliseconds - 1e-6) / EXPRESS_DURATION_STEP_MS as f64).ceil().max(1.0);
    steps as u64 * EXPRESS_DURATION_STEP_MS
}

/// Express's billed memory: rounded up to 64 MB steps, at least 64 MB.
pub fn billed_memory_mb(memory_mb: f64) -> u64 {
    let steps = (memory_mb.max(0.0) / EXPRESS_MEMORY_STEP_MB as f64).ceil().max(1.0);
    steps as u64 * EXPRESS_MEMORY_STEP_MB
}
