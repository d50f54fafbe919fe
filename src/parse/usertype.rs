//! `CREATE TYPE … AS (…)` (composite) and `CREATE TYPE … AS RANGE (…)` into the model.

use super::ddl::{ident, qname, Builder};
use super::domain::searched_name;
use super::{Loc, ParseError};
use crate::model::{default_multirange, Attribute, CompositeType, QName, RangeType};
use sqlparser::ast::{
    ObjectName, UserDefinedTypeCompositeAttributeDef, UserDefinedTypeRangeOption,
};

fn err(loc: &Loc, message: impl Into<String>) -> ParseError {
    ParseError::At {
        loc: loc.clone(),
        message: message.into(),
    }
}

impl Builder {
    pub(super) fn new_type(&self, q: &QName, loc: &Loc) -> Result<(), ParseError> {
        let s = &self.schema;
        let taken = s.enums.contains_key(q)
            || s.domains.contains_key(q)
            || s.composites.contains_key(q)
            || s.ranges.contains_key(q)
            || s.ranges
                .values()
                .any(|r| r.multirange_name().same_relation(q));
        if taken {
            Err(err(loc, format!("type `{q}` is defined twice")))
        } else {
            Ok(())
        }
    }

    pub(super) fn create_composite(
        &mut self,
        name: &ObjectName,
        attributes: &[UserDefinedTypeCompositeAttributeDef],
        loc: &Loc,
    ) -> Result<(), ParseError> {
        let q = qname(name);
        self.new_type(&q, loc)?;
        let mut t = CompositeType {
            name: q.clone(),
            attributes: Vec::new(),
        };
        for a in attributes {
            let n = ident(&a.name);
            if t.attributes.iter().any(|x| x.name == n) {
                return Err(err(
                    loc,
                    format!("type `{q}`: attribute `{n}` is defined twice"),
                ));
            }
            let data_type = self
                .type_of(&a.data_type)
                .map_err(|m| err(loc, format!("type `{q}`, attribute `{n}`: {m}")))?;
            t.attributes.push(Attribute {
                name: n,
                data_type,
                collation: a.collation.as_ref().map(searched_name),
            });
        }
        self.user_types.insert(q.name.clone());
        self.schema.composites.insert(q, t);
        Ok(())
    }

    pub(super) fn create_range(
        &mut self,
        name: &ObjectName,
        options: &[UserDefinedTypeRangeOption],
        loc: &Loc,
    ) -> Result<(), ParseError> {
        use UserDefinedTypeRangeOption as O;
        let q = qname(name);
        self.new_type(&q, loc)?;
        let mut subtype = None;
        let mut r = RangeType {
            name: q.clone(),
            subtype: crate::model::DataType::Text,
            subtype_opclass: None,
            collation: None,
            canonical: None,
            subtype_diff: None,
            multirange: None,
        };
        for o in options {
            match o {
                O::Subtype(t) => {
                    subtype = Some(
                        self.type_of(t)
                            .map_err(|m| err(loc, format!("range type `{q}`: {m}")))?,
                    )
                }
                O::SubtypeOpClass(n) => r.subtype_opclass = Some(searched_name(n)),
                O::Collation(n) => r.collation = Some(searched_name(n)),
                O::Canonical(n) => r.canonical = Some(searched_name(n)),
                O::SubtypeDiff(n) => r.subtype_diff = Some(searched_name(n)),
                O::MultirangeTypeName(n) => r.multirange = Some(qname(n)),
            }
        }
        r.subtype = subtype.ok_or_else(|| err(loc, format!("range type `{q}` has no subtype")))?;
        let multi = r
            .multirange
            .as_ref()
            .map_or_else(|| default_multirange(&q.name), |m| m.name.clone());
        self.new_type(&QName::new(q.schema.clone(), multi.clone()), loc)?;
        self.user_types.insert(q.name.clone());
        self.user_types.insert(multi);
        self.schema.ranges.insert(q, r);
        Ok(())
    }
}
