//! Rule documentation read from the policy files themselves: every rule's `# METADATA` block
//! (OPA's annotation format: `title` = rule id, `description`, `custom.why`, `custom.example`,
//! `custom.negative`). Reports use it for SARIF rule help; a missing or malformed block is an
//! error, so a rule cannot ship undocumented.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// What one rule catches, why, and an example — as written in its METADATA block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleDoc {
    /// The rule id (`subclass-walk`), the block's `title`.
    pub id: String,
    /// What it catches.
    pub description: String,
    /// Why it matters.
    pub why: String,
    /// Code it flags.
    pub example: String,
    /// Code it leaves alone.
    pub negative: String,
    /// The policy file that defines it.
    pub file: String,
}

#[derive(Deserialize)]
struct Block {
    title: String,
    description: String,
    #[serde(default)]
    custom: Custom,
}

#[derive(Deserialize, Default)]
struct Custom {
    #[serde(default)]
    why: String,
    #[serde(default)]
    example: String,
    #[serde(default)]
    negative: String,
}

/// Parses every `# METADATA` block of a Rego source.
pub fn parse_rule_docs(file: &str, text: &str) -> Result<Vec<RuleDoc>> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((no, line)) = lines.next() {
        if line.trim() != "# METADATA" {
            continue;
        }
        let mut yaml = String::new();
        while let Some((_, next)) = lines.peek() {
            let Some(body) = next.trim_start().strip_prefix('#') else {
                break;
            };
            yaml.push_str(body.strip_prefix(' ').unwrap_or(body));
            yaml.push('\n');
            lines.next();
        }
        let block: Block = serde_yaml::from_str(&yaml)
            .with_context(|| format!("{file}:{}: malformed METADATA block", no + 1))?;
        out.push(RuleDoc {
            id: block.title,
            description: block.description,
            why: block.custom.why,
            example: block.custom.example,
            negative: block.custom.negative,
            file: file.to_string(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_block() {
        let src = "# METADATA\n# title: x-rule\n# description: Catches x.\n# custom:\n#   why: Because.\n#   example: \"x()\"\ndeny contains v if { false }\n";
        let docs = parse_rule_docs("a.rego", src).unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].id, "x-rule");
        assert_eq!(docs[0].why, "Because.");
        assert_eq!(docs[0].example, "x()");
    }

    #[test]
    fn malformed_block_is_an_error() {
        let src = "# METADATA\n# title: [unclosed\ndeny contains v if { false }\n";
        assert!(parse_rule_docs("a.rego", src).is_err());
    }
}
