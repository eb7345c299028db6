fn main() {
    quorumscope_web::start();
}
