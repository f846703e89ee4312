//! Members in the mini-program: signing in (WeChat, phone binding, SMS codes), the member code
//! shown at the till, and their own points.

mod member_code;
mod own_points;
mod privacy;
mod sign_in;
